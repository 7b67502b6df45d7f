import Foundation
import MocoPlot
import MocoScript
import MocoSupport
import MocoTensor

/// One REPL session, independent of the terminal: it takes complete inputs (code or a
/// `:command`), runs them in one interpreter, prints values and errors, binds `_`, and keeps
/// the successful inputs for `:save`. Errors never end the session.
public final class Session {
    public private(set) var interpreter: Interpreter
    /// Inputs that ran without error, in order (`:load` as an `include`).
    public private(set) var transcript: [String] = []
    /// Draw a text preview after each plot.
    public var previews: Bool
    /// The exit status a non-interactive session ends with: that of its last error, else 0.
    public private(set) var status: Int32 = 0
    public private(set) var quitRequested = false
    let out: (String) -> Void
    let err: (String) -> Void
    private var lastLoaded: URL?
    private let configure: (Interpreter) -> Void
    /// Where the session may write (the working folder unless widened with `:allow-write DIR`
    /// or `moco --allow-write DIR`) and read (anywhere unless confined).
    public var fileAccess = FileAccess(
        write: [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)], read: nil,
        writeHint: ":allow-write DIR")
    {
        didSet { interpreter.fileAccess = fileAccess }
    }

    /// - Parameters:
    ///   - configure: applied to every interpreter of the session (after `:reset` too).
    public init(
        previews: Bool, out: @escaping (String) -> Void, err: @escaping (String) -> Void,
        configure: @escaping (Interpreter) -> Void = { _ in }
    ) {
        (self.previews, self.out, self.err, self.configure) = (previews, out, err, configure)
        interpreter = Interpreter()
        setUp()
    }

    private func setUp() {
        interpreter.fileAccess = fileAccess
        interpreter.output = { [out] in out($0) }
        interpreter.onPlot = { [weak self] record in
            guard let self, self.previews else { return }
            if let text = try? Plotter(directory: record.files.image.deletingLastPathComponent()).preview(
                record.figure, columns: 78, rows: 22)
            {
                self.out(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            }
        }
        configure(interpreter)
    }

    /// Runs one complete input: code, or a meta-command when it starts with `:`.
    public func handle(_ input: String, name: String, firstLine: Int = 1) {
        let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        if trimmed.hasPrefix(":") {
            command(trimmed)
            return
        }
        if let value = evaluate(input, name: name, firstLine: firstLine) {
            transcript.append(input)
            if case .nil = value { return }
            interpreter.setGlobal("_", value)
            out(value.repr)
        }
    }

    /// Runs code; nil (after printing the error) when it failed, `.nil` when it had no value.
    @discardableResult
    private func evaluate(_ code: String, name: String, firstLine: Int = 1) -> Value? {
        do {
            return try interpreter.run(code, name: name, firstLine: firstLine) ?? .nil
        } catch {
            let (text, status) = ScriptError.report(error)
            report(text, code: status)
        }
        return nil
    }

    private func report(_ text: String, code: Int32) {
        err(text)
        status = code
    }

    // MARK: Meta-commands

    static let help = """
        :help [name]     the builtins, or one builtin's documentation (:help train, :help run.resume)
        :vars            the session's variables: name, type, value
        :type EXPR       the type of an expression's value
        :load FILE       run a script into the session; :reload runs it again
        :reset           a fresh session (every variable dropped, seed 0)
        :save FILE.moco  write the session's successful inputs as a notebook that reproduces it
        :allow-write DIR let the session write files under DIR too (the working folder is allowed)
        :plots           the plots written so far
        :preview on|off  text previews of plots in the terminal
        :quit            leave (also Ctrl-D)
        The last value is `_`. Ctrl-C stops training at the next step; run.resume() goes on.
        """

    private func command(_ line: String) {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts[0]
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case ":help", ":h":
            if argument.isEmpty {
                out(BuiltinLibrary.overview + "\n\nREPL commands:\n" + Self.help)
            } else if let text = BuiltinLibrary.help(topic: argument) {
                out(text)
            } else {
                let hint =
                    Resolver.closest(to: argument, in: BuiltinLibrary.topics).map { "; did you mean '\($0)'?" } ?? ""
                report("error: no builtin named '\(argument)'\(hint)", code: 64)
            }
        case ":vars":
            let vars = interpreter.globalVariables
            if vars.isEmpty { out("no variables yet") }
            let width = min(16, vars.map(\.name.count).max() ?? 0)
            for (n, v) in vars {
                var shown = v.repr.split(separator: "\n").first.map(String.init) ?? ""
                if shown.count > 60 { shown = String(shown.prefix(57)) + "..." }
                out(
                    "\(n.padding(toLength: max(width, n.count), withPad: " ", startingAt: 0))  \(v.typeName.padding(toLength: 12, withPad: " ", startingAt: 0))  \(shown)"
                )
            }
        case ":type":
            guard !argument.isEmpty else {
                return report("error: :type needs an expression (:type run.loss)", code: 64)
            }
            if let v = evaluate(argument, name: "<type>") { out(v.typeName) }
        case ":load":
            guard !argument.isEmpty else {
                return report("error: :load needs a file (:load experiment.moco)", code: 64)
            }
            load(interpreter.resolvePath(argument), as: argument)
        case ":reload":
            guard let file = lastLoaded else { return report("error: nothing loaded yet; use :load FILE", code: 64) }
            load(file, as: file.path)
        case ":reset":
            interpreter = Interpreter()
            setUp()
            transcript = []
            lastLoaded = nil
            out("a fresh session")
        case ":save":
            save(argument)
        case ":allow-write":
            guard !argument.isEmpty else {
                return report("error: :allow-write needs a folder (:allow-write ~/runs)", code: 64)
            }
            let folder = interpreter.resolvePath(argument)
            guard FileAccess.isFolder(folder) else {
                return report("error: :allow-write: \(folder.path) is not a folder", code: 74)
            }
            fileAccess.allowWrite(folder)
            out("files may be written under \(folder.standardizedFileURL.path)")
        case ":plots":
            let plots = interpreter.plots
            if plots.isEmpty { out("no plots yet") }
            for p in plots { out(SourceFiles.displayPath(p.files.image)) }
        case ":preview":
            switch argument {
            case "on": previews = true
            case "off": previews = false
            default: return report("error: :preview on or :preview off", code: 64)
            }
            out("plot previews \(previews ? "on" : "off")")
        case ":quit", ":q", ":exit":
            quitRequested = true
        default:
            let hint = Resolver.closest(to: name, in: CommandCompleter.commands).map { "; did you mean '\($0)'?" } ?? ""
            report("error: unknown command \(name)\(hint) (:help lists them)", code: 64)
        }
    }

    private func load(_ url: URL, as typed: String) {
        let base = interpreter.baseDirectory
        do {
            try interpreter.run(file: url.standardizedFileURL)
            lastLoaded = url.standardizedFileURL
            transcript.append("include \(quoted(typed))")
        } catch {
            let (text, status) = ScriptError.report(error)
            report(text, code: status)
        }
        interpreter.baseDirectory = base  // run(file:) moves it to the file's folder
    }

    private func save(_ path: String) {
        guard path.hasSuffix(".moco") else { return report("error: :save needs a file name ending in .moco", code: 64) }
        var text = "# %% [markdown]\n# A moco session saved by `:save`; `moco run` or `moco render` reproduces it.\n"
        for (i, input) in transcript.enumerated() { text += "\n# %% input \(i + 1)\n\(input)\n" }
        do {
            let url = try interpreter.fileAccess.checkWrite(interpreter.resolvePath(path))
            try FileKind.notebook.checkReplaceable(url)
            try AtomicFile.write(text, to: url)
            out("saved \(transcript.count) input\(transcript.count == 1 ? "" : "s") to \(path)")
        } catch {
            report("error: :save: \(error)", code: 74)
        }
    }

    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
