import CLineEditor
import Foundation
import MocoScript
import MocoSupport
import MocoTensor

/// `moco` with no arguments. On a terminal: GNU readline with history, completion,
/// continuation lines, Ctrl-C handling and a redrawn progress line. From a pipe: plain
/// lines, no prompts and no escape codes; the exit status is that of the last error.
public enum REPL {
    /// Runs the REPL; `allowWrite` folders may be written besides the working folder.
    public static func main(allowWrite: [URL] = []) -> Int32 {
        isatty(STDIN_FILENO) != 0 ? interactive(allowWrite: allowWrite) : piped(allowWrite: allowWrite)
    }

    static func stderr(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
    /// Output lines, with control characters and bidirectional overrides spelled out.
    static func stdout(_ s: String) {
        FileHandle.standardOutput.write(Data((VisibleText.escape(s) + "\n").utf8))
    }

    /// Reads standard input line by line and runs each complete input.
    static func piped(allowWrite: [URL]) -> Int32 {
        let session = Session(previews: false, out: stdout, err: { stderr($0 + "\n") })
        for folder in allowWrite { session.fileAccess.allowWrite(folder) }
        var buffer: [String] = []
        var start = 1
        var line = 0
        while let text = readLine(strippingNewline: true) {
            line += 1
            if buffer.isEmpty { start = line }
            buffer.append(text)
            let input = buffer.joined(separator: "\n")
            if input.trimmingCharacters(in: .whitespaces).hasPrefix(":") || Parser.status(of: input) != .incomplete {
                session.handle(input, name: "<stdin>", firstLine: start)
                buffer = []
                if session.quitRequested { break }
            }
        }
        if !buffer.isEmpty { session.handle(buffer.joined(separator: "\n"), name: "<stdin>", firstLine: start) }
        return session.status
    }

    /// The line editor session.
    static func interactive(allowWrite: [URL]) -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let dumb = environment["TERM"] == "dumb" || isatty(STDERR_FILENO) == 0
        let colour = !dumb && environment["NO_COLOR"] == nil
        let status = dumb ? nil : StatusLine(colour: colour) { stderr($0) }
        let red = colour ? "\u{1B}[31m" : ""
        let reset = colour ? "\u{1B}[0m" : ""
        let session = Session(
            previews: environment["MOCO_PLOT_PREVIEW"] != "0",
            out: {
                status?.clear()
                stdout($0)
            },
            err: { text in
                status?.clear()
                stderr(
                    text.replacingOccurrences(
                        of: "error:", with: "\(red)error:\(reset)", options: [], range: text.range(of: "error:")) + "\n"
                )
            },
            configure: { interp in
                interp.interruptSource = { moco_le_take_interrupt() != 0 }
                if let status {
                    interp.stepProgress = { status.update($0) }
                    interp.progress = { status.print($0) }
                }
            })
        for folder in allowWrite { session.fileAccess.allowWrite(folder) }
        completionSession = session
        moco_le_setup { line, start, end in
            guard let line, let session = REPL.completionSession else { return }
            REPL.complete(String(cString: line), start: Int(start), end: Int(end), session: session)
        }
        let history =
            environment["MOCO_HISTORY"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".moco_history")
        let historySize: Int32 = 10_000
        moco_le_history_load(history, historySize)
        // Readline needs \u{1} \u{2} around escape codes to measure the prompt.
        let primary = colour ? "\u{1}\u{1B}[1;32m\u{2}moco>\u{1}\u{1B}[0m\u{2} " : "moco> "
        let continuation = colour ? "\u{1}\u{1B}[2m\u{2}...>\u{1}\u{1B}[0m\u{2} " : "...> "
        moco_le_set_primary_prompt(primary)
        stdout("moco \(MocoVersion.string): MoCo lab. :help for help, :quit or Ctrl-D to leave.")
        var buffer: [String] = []
        var inputs = 0
        while !session.quitRequested {
            guard let raw = moco_le_readline(buffer.isEmpty ? primary : continuation) else {
                stdout("")
                break
            }
            let line = String(cString: raw)
            free(raw)
            if moco_le_take_cleared() != 0 { buffer = [] }
            if buffer.isEmpty && line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            moco_le_history_add(line)
            buffer.append(line)
            let input = buffer.joined(separator: "\n")
            if buffer.count == 1 && line.trimmingCharacters(in: .whitespaces).hasPrefix(":")
                || Parser.status(of: input) != .incomplete
            {
                buffer = []
                inputs += 1
                _ = moco_le_take_interrupt()
                session.handle(input, name: "<input \(inputs)>")
                status?.clear()
                if inputs % 20 == 0 { _ = moco_le_history_save(history, historySize) }
            }
        }
        if moco_le_history_save(history, historySize) != 0 {
            stderr("moco: could not write the history to \(history)\n")
        }
        return 0
    }

    /// The session completion reads (readline's callback is a C function without context).
    /// `nonisolated(unsafe)`: set before the line editor starts, and read by its callback, which
    /// readline calls on the REPL's own thread while it reads a line.
    nonisolated(unsafe) static var completionSession: Session?

    static func complete(_ line: String, start: Int, end: Int, session: Session) {
        // readline's offsets are bytes; the completer works on characters of the text before the cursor.
        let prefix = String(decoding: Array(line.utf8).prefix(end), as: UTF8.self)
        let result = CommandCompleter(interpreter: session.interpreter).complete(prefix)
        let wordStartBytes = Array(prefix.utf8).count - String(Array(prefix)[result.start...]).utf8.count
        let typedBeforeWord = String(decoding: Array(line.utf8)[wordStartBytes..<start], as: UTF8.self)
        for c in result.candidates {
            // readline replaces line[start..<end]: drop what lies before its word start.
            guard c.hasPrefix(typedBeforeWord) else { continue }
            moco_le_add_candidate(String(c.dropFirst(typedBeforeWord.count)))
        }
        moco_le_set_append_character(result.append.map { Int32($0.asciiValue ?? 0) } ?? 0)
    }
}
