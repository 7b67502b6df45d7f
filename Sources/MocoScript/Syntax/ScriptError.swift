import MocoSupport
import MocoTensor

/// What went wrong, which decides the exit code of `moco run` (sysexits.h).
public enum ErrorKind: Sendable {
    /// Lexer, parser or resolver: the script is malformed (exit 65).
    case syntax
    /// Something failed while running (exit 70).
    case runtime
    /// A file could not be read or written (exit 74).
    case io
    /// The command line was wrong (exit 64).
    case usage

    public var exitCode: Int32 {
        switch self {
        case .syntax: return 65
        case .runtime: return 70
        case .io: return 74
        case .usage: return 64
        }
    }
}

/// An error in a script, at a location, rendered as `file:line:col: error: message`, the
/// source line, a caret under the column, optional notes and, for errors inside user
/// functions, the calls that led there.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public let kind: ErrorKind
    public let message: String
    public let loc: Loc?
    /// Extra lines (`expected ...`, `did you mean ...`, a signature).
    public var notes: [String]
    /// `(function, call site)`, innermost first.
    public var trace: [(function: String, loc: Loc)] = []

    public init(_ kind: ErrorKind, _ message: String, at loc: Loc?, notes: [String] = []) {
        (self.kind, self.message, self.loc, self.notes) = (kind, message, loc, notes)
    }

    /// `line:col: message`, the short form the golden tests compare.
    public var brief: String {
        guard let loc else { return message }
        return "\(loc.line):\(loc.column): \(message)"
    }

    /// The most characters of a source line an error echoes.
    public static let echoWidth = 160

    public var description: String {
        var out = ""
        if let loc {
            out = "\(VisibleText.escape(loc.description)): error: \(VisibleText.escape(message))"
            if let line = SourceFiles.line(loc.file, loc.line) {
                // At most `echoWidth` characters of the line, around the column, so that a report stays
                // proportional to its errors whatever the line's length. Controls and bidirectional overrides in
                // the echoed line are spelled out; the caret follows.
                let column = max(0, Int(loc.column) - 1)
                let start = max(0, min(column - Self.echoWidth / 2, line.count - Self.echoWidth))
                let shown = line.dropFirst(start).prefix(Self.echoWidth)
                let (lead, tail) = (start > 0 ? "…" : "", start + shown.count < line.count ? "…" : "")
                let before = lead + VisibleText.escape(String(shown.prefix(column - start)))
                let prefix = before.map { $0 == "\t" ? "\t" : " " as Character }
                out += "\n    \(lead)\(VisibleText.escape(String(shown)))\(tail)\n    \(String(prefix))^"
            }
        } else {
            out = "error: \(VisibleText.escape(message))"
        }
        for note in notes { out += "\n  note: \(VisibleText.escape(note))" }
        for frame in trace { out += "\n  in \(frame.function)(), called at \(frame.loc.description)" }
        return out
    }
}

/// Several errors found in one pass (the parser recovers and goes on).
public struct ScriptErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [ScriptError]
    /// The most errors a report shows; the rest are counted.
    public static let shown = 20

    public var description: String {
        let more = errors.count - Self.shown
        return errors.prefix(Self.shown).map(\.description).joined(separator: "\n")
            + (more > 0 ? "\n… and \(more) more error\(more == 1 ? "" : "s")" : "")
    }
}

extension ScriptError {
    /// Any error a script run throws, as text for the user and the exit status it calls for
    /// (65 script, 70 runtime, 74 I/O, 64 usage).
    public static func report(_ error: Error) -> (text: String, status: Int32) {
        switch error {
        case let e as ScriptErrors: return (e.description, e.errors.map(\.kind.exitCode).max() ?? 65)
        case let e as ScriptError: return (e.description, e.kind.exitCode)
        default: return ("error: \(error)", 70)
        }
    }
}
