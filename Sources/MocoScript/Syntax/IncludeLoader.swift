import Foundation
import MocoSupport
import MocoTensor

/// Reads `include`d files relative to the including file, parses them, and refuses cycles.
public final class IncludeLoader {
    private var active: [String] = []
    /// The sources this loader registered (included files), whose names are paths; any other source is the one
    /// being prepared, whose includes start from `baseDirectory`.
    private var included: Set<Int32> = []
    private let baseDirectory: URL
    private let access: FileAccess
    private let noteRead: (String) -> Void

    /// `baseDirectory` resolves includes from sources that are not files (REPL input); `access`
    /// confines what may be read; `noteRead` hears the path of each file included.
    public init(
        baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        access: FileAccess = .unrestricted, noteRead: @escaping (String) -> Void = { _ in }
    ) {
        (self.baseDirectory, self.access, self.noteRead) = (baseDirectory, access, noteRead)
    }

    func load(_ path: String, at loc: Loc, from file: Int32) throws -> [Stmt] {
        let including = SourceFiles.name(file)
        let dir =
            included.contains(file) ? URL(fileURLWithPath: including).deletingLastPathComponent() : baseDirectory
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path)
        let key = url.standardizedFileURL.path
        // Only moco source is included: an error in any other file would quote its lines.
        guard url.pathExtension == "moco" else {
            throw ScriptError(
                .io, "cannot include \(VisibleText.escape(path)): only .moco files can be included", at: loc)
        }
        do { _ = try access.checkRead(url) } catch {
            throw ScriptError(.io, "cannot include \(path): \(error)", at: loc)
        }
        guard !active.contains(key) else {
            throw ScriptError(.syntax, "include cycle: \(path) is already being included", at: loc)
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw ScriptError(
                .io, "cannot include \(path): \(exists ? "not readable as UTF-8 text" : "no such file")", at: loc)
        }
        noteRead(key)
        active.append(key)
        defer { active.removeLast() }
        let id = SourceFiles.register(name: SourceFiles.displayPath(url), text: text)
        included.insert(id)
        var parser = Parser(text, file: id, includes: self)
        let statements = parser.parseProgram()
        if !parser.errors.isEmpty { throw ScriptErrors(errors: parser.errors) }
        return statements
    }
}
