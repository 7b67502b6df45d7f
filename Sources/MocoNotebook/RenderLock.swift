import Foundation
import MocoSupport
import MocoTensor

/// An exclusive lock on one notebook's outputs (`.NAME.render-lock` in the output folder), held
/// for a whole render so that two renders of the same notebook run one after the other instead
/// of removing each other's files. It is an `flock`, so a killed render never leaves it held.
final class RenderLock {
    private let fd: Int32

    /// Takes the lock, calling `waiting` once if another render holds it and then blocking.
    init(folder: URL, notebook: String, waiting: (String) -> Void) throws {
        let url = folder.appendingPathComponent(".\(notebook).render-lock")
        fd = open(url.path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: url.path, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            waiting("waiting for another render of \(notebook) to finish")
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = String(cString: strerror(errno))
                    close(fd)
                    throw FileWriteError(path: url.path, reason: reason)
                }
            }
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
