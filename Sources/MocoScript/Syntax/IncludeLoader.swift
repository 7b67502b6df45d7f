import Foundation
import MocoSupport
import MocoTensor

/// Reads `include`d files relative to the including file, parses them, and refuses cycles.
public final class IncludeLoader {
    private var active: [String] = []
    private let baseDirectory: URL
    private let access: FileAccess

    /// `baseDirectory` resolves includes from sources that are not files (REPL input); `access`
    /// confines what may be read.
    public init(
        baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        access: FileAccess = .unrestricted
    ) {
        (self.baseDirectory, self.access) = (baseDirectory, access)
    }

    func load(_ path: String, at loc: Loc, from file: Int32) throws -> [Stmt] {
        let including = SourceFiles.name(file)
        let dir = including.hasPrefix("<") ? baseDirectory : URL(fileURLWithPath: including).deletingLastPathComponent()
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
        active.append(key)
        defer { active.removeLast() }
        var parser = Parser(
            text, file: SourceFiles.register(name: SourceFiles.displayPath(url), text: text), includes: self)
        let statements = parser.parseProgram()
        if !parser.errors.isEmpty { throw ScriptErrors(errors: parser.errors) }
        return statements
    }
}
