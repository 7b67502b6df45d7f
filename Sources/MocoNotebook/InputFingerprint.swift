import Foundation
import MocoSupport

/// A file or folder a cell read (a dataset, an included script, weights, a checkpoint), as the cell cache keeps it:
/// its path, a stamp of sizes and modification times that is cheap to take, and the SHA-256 of its content (of a
/// folder: its sorted relative file names and their contents). A cached cell is used only while every input it read
/// still has that content; the content is hashed again only when the stamp differs.
///
/// The paths come from cache entries, which may come from someone else: only regular files and folders are read
/// (never devices or pipes), links are not followed inside folders, and a folder of more than `maxFiles` files or a
/// file over `maxBytes` counts as changed rather than being read.
struct InputFingerprint: Equatable {
    let path: String
    let stamp: String
    let sha256: String

    static let maxFiles = 200_000
    static let maxBytes = 4 << 30

    /// The fingerprint of `path` now, nil when it is missing or is not a file or folder that may be read.
    static func take(_ path: String) -> InputFingerprint? {
        guard let files = listing(path) else { return nil }
        guard let stamp = stamp(files) else { return nil }
        var all = Data()
        let url = URL(fileURLWithPath: path)
        for f in files {
            guard let bytes = try? Data(contentsOf: f.relative.isEmpty ? url : url.appendingPathComponent(f.relative))
            else { return nil }
            if !f.relative.isEmpty { all.append(Data(f.relative.utf8)) }
            all.append(bytes)
        }
        return InputFingerprint(path: path, stamp: stamp, sha256: SHA256.hex(all))
    }

    /// The stamp of `path` now (sizes and modification times), nil when it cannot be read.
    static func stamp(of path: String) -> String? { listing(path).flatMap(stamp) }

    /// Whether `path` still has the recorded content: the same stamp, or else the same digest.
    var isCurrent: Bool {
        guard let files = Self.listing(path), let now = Self.stamp(files) else { return false }
        return now == stamp || Self.take(path)?.sha256 == sha256
    }

    /// A file of an input: its name relative to the input (empty for the input itself), size and modification time.
    private struct Entry {
        let relative: String
        let size: Int
        let modified: Double
    }

    /// The regular files of `path` (itself, or a folder's, sorted by relative name), nil when it is neither a regular
    /// file nor a folder, or is too large.
    private static func listing(_ path: String) -> [Entry]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard Int(info.st_size) <= maxBytes else { return nil }
            return [Entry(relative: "", size: Int(info.st_size), modified: modified(info))]
        case S_IFDIR:
            var files: [Entry] = []
            var pending = [""]
            var total = 0
            while let dir = pending.popLast() {
                let full = dir.isEmpty ? path : path + "/" + dir
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: full) else { return nil }
                for name in names {
                    let relative = dir.isEmpty ? name : dir + "/" + name
                    var child = stat()
                    guard lstat(path + "/" + relative, &child) == 0 else { return nil }
                    switch child.st_mode & S_IFMT {
                    case S_IFDIR: pending.append(relative)
                    case S_IFREG:
                        total += Int(child.st_size)
                        files.append(Entry(relative: relative, size: Int(child.st_size), modified: modified(child)))
                    default: continue
                    }
                    guard files.count <= maxFiles, total <= maxBytes else { return nil }
                }
            }
            return files.sorted { $0.relative < $1.relative }
        default:
            return nil
        }
    }

    private static func modified(_ info: stat) -> Double {
        Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    private static func stamp(_ files: [Entry]) -> String? {
        SHA256.hex(files.map { "\($0.relative)\u{1F}\($0.size)\u{1F}\($0.modified)" }.joined(separator: "\u{1E}"))
    }
}
