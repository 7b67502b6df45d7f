import Foundation

/// Writes whole files atomically: the bytes go to a temporary file in the same folder,
/// which is then renamed over the destination, so readers never see a partial file.
///
/// The temporary file (`.NAME.PID.tmp`) is created exclusively and never through a link; the
/// leftovers of writes that a killed process never finished are removed by the next write
/// to the same name.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws(FileWriteError) {
        let temp = temporaryURL(for: url)
        removeStale(of: url)
        unlink(temp.path)
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temp.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temp.path)
            throw FileWriteError(path: url.path, reason: failure)
        }
    }

    /// Makes `url` from a file that another writer produces (a program told where to write): `produce` gets the
    /// temporary name beside `url` (`.NAME.PID.tmp`, absent) and writes it; the file is then renamed over `url`.
    /// The temporary file is removed whatever happens.
    public static func replace<T>(_ url: URL, producing produce: (URL) throws -> T) throws -> T {
        let temp = temporaryURL(for: url)
        removeStale(of: url)
        unlink(temp.path)
        defer { unlink(temp.path) }
        let result = try produce(temp)
        guard rename(temp.path, url.path) == 0 else {
            throw FileWriteError(path: url.path, reason: String(cString: strerror(errno)))
        }
        return result
    }

    /// The temporary file this process writes `url` through.
    static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    }

    /// Writes `text` as UTF-8, atomically.
    public static func write(_ text: String, to url: URL) throws(FileWriteError) {
        try write(Data(text.utf8), to: url)
    }

    /// Removes `.NAME.PID.tmp` files beside `url` whose process no longer runs.
    public static func removeStale(of url: URL) {
        let dir = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            if isLeftover(ofProcess: name.dropFirst(prefix.count).dropLast(4)) {
                unlink(dir.appendingPathComponent(name).path)
            }
        }
    }

    /// Whether `pid` (as written in a file name) names another process that has ended, so what
    /// it left half-made can be removed.
    public static func isLeftover(ofProcess pid: Substring) -> Bool {
        guard let pid = Int32(pid), pid > 0, pid != ProcessInfo.processInfo.processIdentifier else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// A file that could not be written, with the system's reason.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path) cannot be written (\(reason))" }

    public init(path: String, reason: String) {
        (self.path, self.reason) = (path, reason)
    }
}
