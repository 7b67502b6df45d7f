import Foundation

/// A position in a source file: a registered file, a 1-based line and a 1-based column.
public struct Loc: Equatable, Sendable {
    public let file: Int32
    public let line: Int32
    public let column: Int32

    public init(file: Int32, line: Int, column: Int) {
        (self.file, self.line, self.column) = (file, Int32(line), Int32(column))
    }

    /// `name:line:col`.
    public var description: String { "\(SourceFiles.name(file)):\(line):\(column)" }
}

/// Every piece of source text the process has read (files, REPL inputs, `--set` values),
/// kept so that an error can quote its line. Append-only and thread-safe.
public enum SourceFiles {
    private static let lock = NSLock()
    /// `nonisolated(unsafe)`: read and written only while holding `lock`.
    nonisolated(unsafe) private static var files: [(name: String, lines: [Substring], firstLine: Int)] = []

    /// Registers `text` under `name` and returns its id. `firstLine` numbers its first line
    /// (a piece of a longer input, such as the lines piped into the REPL).
    public static func register(name: String, text: String, firstLine: Int = 1) -> Int32 {
        lock.withLock {
            files.append((name, text.split(separator: "\n", omittingEmptySubsequences: false), firstLine))
            return Int32(files.count - 1)
        }
    }

    /// `url` as users see it: relative to the working directory when it lies under it, else
    /// absolute (file names in errors, plot paths, report paths).
    public static func displayPath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }

    /// The name a file was registered under.
    public static func name(_ id: Int32) -> String {
        lock.withLock { files.indices.contains(Int(id)) ? files[Int(id)].name : "<unknown>" }
    }

    /// Line `line` (1-based) of file `id`, without its newline.
    public static func line(_ id: Int32, _ line: Int32) -> String? {
        lock.withLock {
            guard files.indices.contains(Int(id)) else { return nil }
            let f = files[Int(id)]
            let index = Int(line) - f.firstLine
            guard f.lines.indices.contains(index) else { return nil }
            return String(f.lines[index]).replacingOccurrences(of: "\r", with: "")
        }
    }
}
