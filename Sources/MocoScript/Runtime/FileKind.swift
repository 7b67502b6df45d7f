import Foundation

/// The kinds of file a script writes. An existing file is only ever replaced by output of
/// its own kind, so `save(x, "notes.txt")` or `plot(file: "run.moco")` cannot silently
/// destroy a file of another kind.
public enum FileKind: String, Sendable {
    case safetensors
    case png
    case svg
    /// A text drawing (gnuplot's dumb terminal).
    case text
    case gnuplotScript = "gnuplot script"
    case tsv
    case notebook = "moco notebook"

    /// The kind of a plot file by its extension.
    static func plot(_ url: URL) -> FileKind {
        switch url.pathExtension.lowercased() {
        case "svg": return .svg
        case "txt": return .text
        case "gp": return .gnuplotScript
        case "tsv": return .tsv
        default: return .png
        }
    }

    /// Throws unless `url` is absent or a regular file of this kind.
    public func checkReplaceable(_ url: URL) throws {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileKindError(path: url.path, message: "exists and is not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 512)) ?? Data()
        guard matches(head) else {
            throw FileKindError(
                path: url.path,
                message:
                    "exists and is not a \(rawValue) file; moco does not replace it with one (remove it first, or choose another name)"
            )
        }
    }

    private func matches(_ head: Data) -> Bool {
        let bytes = [UInt8](head)
        switch self {
        case .safetensors:
            return head.isEmpty || (bytes.count > 8 && bytes[8] == UInt8(ascii: "{"))
        case .png:
            return head.isEmpty || bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case .svg:
            let s = String(decoding: head, as: UTF8.self)
            return head.isEmpty || s.hasPrefix("<?xml") || s.hasPrefix("<svg")
        case .gnuplotScript: return head.isEmpty || String(decoding: head, as: UTF8.self).hasPrefix("# ")
        case .tsv:
            let s = String(decoding: head, as: UTF8.self)
            return head.isEmpty || s.hasPrefix("series\t") || s.hasPrefix("row\t")
        case .text, .notebook:
            return head.isEmpty || (!bytes.contains(0) && String(data: head.prefix(508), encoding: .utf8) != nil)
        }
    }
}

/// An existing file that a script's output may not replace.
public struct FileKindError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path) \(message)" }
}
