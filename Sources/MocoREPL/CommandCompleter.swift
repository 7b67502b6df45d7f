import Foundation
import MocoScript

/// Tab completion in the REPL: the REPL's `:commands` and their arguments after a `:`, code (`Completer`) otherwise.
public struct CommandCompleter {
    public let code: Completer

    public init(interpreter: Interpreter) { code = Completer(interpreter: interpreter) }

    static let commands = [
        ":help", ":vars", ":type", ":load", ":reload", ":reset", ":save", ":plots", ":preview", ":quit"
    ]

    /// Candidates for the word that ends at the end of `prefix` (the line up to the cursor).
    public func complete(_ prefix: String) -> Completer.Completion {
        let chars = Array(prefix)
        guard chars.first == ":" else { return code.complete(prefix) }
        guard let space = chars.firstIndex(of: " ") else {
            return Completer.Completion(
                start: 0, candidates: Self.commands.filter { $0.hasPrefix(prefix) }, append: " ")
        }
        let command = String(chars[..<space])
        var start = space + 1
        while start < chars.count, chars[start] == " " { start += 1 }
        let word = String(chars[start...])
        switch command {
        case ":help": return code.finish(start, BuiltinLibrary.topics.filter { $0.hasPrefix(word) })
        case ":load", ":save": return Completer.Completion(start: start, candidates: code.paths(word), append: nil)
        case ":preview": return code.finish(start, ["on", "off"].filter { $0.hasPrefix(word) })
        default: return code.finish(start, [])
        }
    }
}
