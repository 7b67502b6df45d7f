/// Turns source text into tokens. Comments run from `#` to the end of the line; newlines are
/// tokens (they end statements); numbers allow `_` separators and exponents; strings are
/// double-quoted with escapes `\n \t \" \\ \{ \}` and `{expression}` interpolation.
/// Errors are collected (the lexer skips the bad character and goes on).
public struct Lexer {
    private let chars: [Character]
    private let file: Int32
    private var index = 0, line = 1, column = 1
    public private(set) var errors: [ScriptError] = []

    public init(_ text: String, file: Int32, line: Int = 1, column: Int = 1) {
        chars = Array(text)
        self.file = file
        (self.line, self.column) = (line, column)
    }

    /// All tokens, ending with `eof`.
    public mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let t = next()
            tokens.append(t)
            if t.kind == .eof { return tokens }
        }
    }

    private var here: Loc { Loc(file: file, line: line, column: column) }
    private func peek(_ k: Int = 0) -> Character? { index + k < chars.count ? chars[index + k] : nil }

    private mutating func advance() -> Character {
        let c = chars[index]
        index += 1
        if c == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return c
    }

    private mutating func next() -> Token {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" {
                _ = advance()
                continue
            }
            if c == "#" {
                while let d = peek(), d != "\n" { _ = advance() }
                continue
            }
            if c == "\\", peek(1) == "\n" {
                _ = advance()
                _ = advance()
                continue
            }  // line continuation
            break
        }
        let start = here
        guard let c = peek() else { return Token(kind: .eof, text: "", loc: start) }
        if c == "\n" {
            _ = advance()
            return Token(kind: .newline, text: "\n", loc: start)
        }
        if c.isASCII && c.isNumber { return number(start) }
        if c.isLetter || c == "_" { return word(start) }
        if c == "\"" { return string(start) }
        return punctuation(start)
    }

    private mutating func number(_ start: Loc) -> Token {
        var text = ""
        func digits(_ lexer: inout Lexer) {
            while let d = lexer.peek(), d.isNumber || d == "_" {
                let ch = lexer.advance()
                if ch != "_" { text.append(ch) }
            }
        }
        digits(&self)
        if peek() == ".", let d = peek(1), d.isNumber {
            text.append(advance())
            digits(&self)
        }
        if let e = peek(), e == "e" || e == "E" {
            let sign = peek(1)
            if sign?.isNumber == true || ((sign == "+" || sign == "-") && peek(2)?.isNumber == true) {
                text.append(advance())
                if sign == "+" || sign == "-" { text.append(advance()) }
                digits(&self)
            }
        }
        if let d = peek(), d.isLetter || d == "_" {
            var rest = ""
            while let d = peek(), d.isLetter || d.isNumber || d == "_" { rest.append(advance()) }
            errors.append(ScriptError(.syntax, "malformed number '\(text)\(rest)'", at: start))
        }
        var t = Token(kind: .number, text: text, loc: start)
        t.number = Double(text) ?? 0
        return t
    }

    private mutating func word(_ start: Loc) -> Token {
        var text = ""
        while let d = peek(), d.isLetter || d.isNumber || d == "_" { text.append(advance()) }
        return Token(kind: TokenKind.keywords[text] ?? .identifier, text: text, loc: start)
    }

    private mutating func string(_ start: Loc) -> Token {
        _ = advance()
        var parts: [StringPart] = []
        var text = ""
        while true {
            guard let c = peek(), c != "\n" else {
                errors.append(
                    ScriptError(
                        .syntax, "unterminated string", at: start, notes: ["a string ends with '\"' on the same line"]))
                break
            }
            _ = advance()
            if c == "\"" { break }
            if c == "\\" {
                let escLoc = Loc(file: file, line: line, column: column - 1)
                guard let e = peek(), e != "\n" else { continue }
                _ = advance()
                switch e {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "\"", "\\", "{", "}": text.append(e)
                default:
                    errors.append(
                        ScriptError(
                            .syntax, "unknown escape '\\\(e)'", at: escLoc,
                            notes: ["escapes are \\n \\t \\\" \\\\ \\{ \\}"]))
                }
            } else if c == "{" {
                if !text.isEmpty {
                    parts.append(.text(text))
                    text = ""
                }
                let codeLoc = here
                var code = ""
                var depth = 0
                var closed = false
                while let d = peek(), d != "\n", d != "\"" || depth > 0 {
                    if d == "}" && depth == 0 {
                        _ = advance()
                        closed = true
                        break
                    }
                    if d == "{" || d == "(" || d == "[" { depth += 1 }
                    if d == "}" || d == ")" || d == "]" { depth -= 1 }
                    code.append(advance())
                }
                guard closed else {
                    errors.append(
                        ScriptError(
                            .syntax, "unterminated '{' in string", at: codeLoc, notes: ["write \\{ for a literal brace"]
                        ))
                    continue
                }
                var format: String?
                if let colon = Self.formatColon(code) {
                    format = String(code[code.index(after: colon)...])
                    code = String(code[..<colon])
                }
                parts.append(.code(code, codeLoc, format: format))
            } else if c == "}" {
                errors.append(
                    ScriptError(
                        .syntax, "unmatched '}' in string", at: Loc(file: file, line: line, column: column - 1),
                        notes: ["write \\} for a literal brace"]))
            } else {
                text.append(c)
            }
        }
        if !text.isEmpty || parts.isEmpty { parts.append(.text(text)) }
        var t = Token(kind: .string, text: "", loc: start)
        t.parts = parts
        return t
    }

    /// The colon that starts a format spec (`x:.3f`): the last top-level colon followed only by
    /// a format (`.3f`, `.2%`, `.1e`, `d`, `6.2f`).
    static func formatColon(_ code: String) -> String.Index? {
        guard let colon = code.lastIndex(of: ":") else { return nil }
        let spec = code[code.index(after: colon)...]
        let ok = spec.range(of: #"^[0-9]*(\.[0-9]+)?[fe%d]$"#, options: .regularExpression) != nil
        return ok ? colon : nil
    }

    private mutating func punctuation(_ start: Loc) -> Token {
        let three = String([peek(), peek(1), peek(2)].compactMap { $0 })
        for candidate in [three, String(three.prefix(2)), String(three.prefix(1))] where !candidate.isEmpty {
            if let kind = TokenKind(rawValue: candidate), kind.isPunctuation {
                for _ in candidate { _ = advance() }
                return Token(kind: kind, text: candidate, loc: start)
            }
        }
        let c = advance()
        errors.append(ScriptError(.syntax, "unexpected character '\(c)'", at: start))
        return next()
    }
}

extension TokenKind {
    var isPunctuation: Bool {
        switch self {
        case .number, .string, .identifier, .newline, .eof: return false
        default: return TokenKind.keywords[rawValue] == nil
        }
    }
}
