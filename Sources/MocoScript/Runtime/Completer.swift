import Foundation

/// Completion of code, for the REPL and the Jupyter kernel: keywords, builtins and names in scope; members after `.`
/// (by the value's type); named arguments inside a call; file paths inside string literals. Works on the text before
/// the cursor and reads the session's values without running anything.
public struct Completer {
    public let interpreter: Interpreter

    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    /// Candidates for the word that ends at the end of `prefix` (the line up to the cursor).
    public struct Completion: Equatable {
        /// Where the completed word starts in `prefix` (a character offset).
        public let start: Int
        /// Replacements for the word, sorted.
        public let candidates: [String]
        /// What to add after a single candidate (nothing after `(`, `/` or `: `).
        public let append: Character?

        public init(start: Int, candidates: [String], append: Character?) {
            (self.start, self.candidates, self.append) = (start, candidates, append)
        }
    }

    public func complete(_ prefix: String) -> Completion {
        let chars = Array(prefix)
        if let quote = openQuote(chars) {
            let word = String(chars[(quote + 1)...])
            return Completion(start: quote + 1, candidates: paths(word), append: "\"")
        }
        var start = chars.count
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" {
            start -= 1
        }
        let word = String(chars[start...])
        if start > 0, chars[start - 1] == ".", let value = receiver(chars, end: start - 1) {
            let methods = interpreter.methodNames(of: value)
            let names = interpreter.memberNames(of: value).filter { $0.hasPrefix(word) }
            return finish(start, names.map { methods.contains($0) ? $0 + "(" : $0 })
        }
        var candidates: [String] = []
        if let callee = calleeAtArgumentStart(chars, wordStart: start),
            let params = interpreter.parameterNames(of: callee)
        {
            candidates += params.filter { $0.hasPrefix(word) }.map { $0 + ": " }
        }
        candidates += Interpreter.keywords.filter { $0.hasPrefix(word) }
        for name in Interpreter.builtinNames + interpreter.globalVariables.map(\.name) where name.hasPrefix(word) {
            switch interpreter.global(name) ?? BuiltinLibrary.globals[name] {
            case .builtin?, .function?: candidates.append(name + "(")
            default: candidates.append(name)
            }
        }
        return finish(start, candidates)
    }

    /// A completion of the word at `start` by `candidates` (deduplicated and sorted).
    public func finish(_ start: Int, _ candidates: [String]) -> Completion {
        let unique = Array(Set(candidates)).sorted()
        let last = unique.count == 1 ? unique[0].last : nil
        return Completion(start: start, candidates: unique, append: last == "(" || last == " " ? nil : " ")
    }

    /// The index of the quote that opens a string still open at the end, if any.
    private func openQuote(_ chars: [Character]) -> Int? {
        var open: Int?
        var i = 0
        while i < chars.count {
            if chars[i] == "\\" {
                i += 2
                continue
            }
            if chars[i] == "\"" { open = open == nil ? i : nil }
            if chars[i] == "#" && open == nil { return nil }  // a comment
            i += 1
        }
        return open
    }

    /// Files and folders matching `word` (a path typed so far), relative to the session's folder.
    public func paths(_ word: String) -> [String] {
        let expanded = (word as NSString).expandingTildeInPath
        let slash = expanded.lastIndex(of: "/")
        let dirPart = slash.map { String(expanded[...$0]) } ?? ""
        let namePart = slash.map { String(expanded[expanded.index(after: $0)...]) } ?? expanded
        let base =
            dirPart.hasPrefix("/")
            ? URL(fileURLWithPath: dirPart) : interpreter.baseDirectory.appendingPathComponent(dirPart)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return [] }
        let typedDir = word.lastIndex(of: "/").map { String(word[...$0]) } ?? ""
        return entries.filter { $0.hasPrefix(namePart) && (namePart.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map
        { entry in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: base.appendingPathComponent(entry).path, isDirectory: &isDirectory)
            return typedDir + entry + (isDirectory.boolValue ? "/" : "")
        }
    }

    /// The value of the name chain (`run.model`) that ends just before `end` (a '.').
    private func receiver(_ chars: [Character], end: Int) -> Value? {
        var names: [String] = []
        var i = end
        while true {
            var s = i
            while s > 0, chars[s - 1].isLetter || chars[s - 1].isNumber || chars[s - 1] == "_" { s -= 1 }
            guard s < i else { return nil }
            names.insert(String(chars[s..<i]), at: 0)
            if s > 0, chars[s - 1] == "." { i = s - 1 } else { break }
        }
        guard var value = interpreter.global(names[0]) ?? BuiltinLibrary.globals[names[0]] else { return nil }
        for (k, name) in names.dropFirst().enumerated() {
            if k == names.count - 2,
                let method = BuiltinLibrary.methods[value.typeName]?.first(where: { $0.name == name })
            {
                return .method(value, method)  // `run.resume(`: the callee is a method
            }
            guard let next = interpreter.property(value, name) else { return nil }
            value = next
        }
        return value
    }

    /// The callee of the innermost unclosed call when the word starts an argument.
    private func calleeAtArgumentStart(_ chars: [Character], wordStart: Int) -> Value? {
        var j = wordStart
        while j > 0, chars[j - 1] == " " { j -= 1 }
        guard j > 0, chars[j - 1] == "(" || chars[j - 1] == "," else { return nil }
        var depth = 0
        var i = j - 1
        var inString = false
        // Find the '(' that is still open at position j - 1 (strings skipped roughly).
        while i >= 0 {
            let c = chars[i]
            if c == "\"" { inString.toggle() }
            if !inString {
                if c == ")" || c == "]" || c == "}" { depth += 1 }
                if c == "(" || c == "[" || c == "{" {
                    if depth == 0 { break }
                    depth -= 1
                }
            }
            i -= 1
        }
        guard i > 0, chars[i] == "(" else { return nil }
        return receiver(chars, end: i)
    }
}
