/// The kinds of token; keywords and punctuation carry their spelling.
public enum TokenKind: String, Sendable {
    case number, string, identifier, newline, eof
    // Keywords
    case kLet = "let"
    case kVar = "var"
    case kFn = "fn"
    case kIf = "if"
    case kElse = "else"
    case kFor = "for"
    case kIn = "in"
    case kWhile = "while"
    case kBreak = "break"
    case kContinue = "continue"
    case kReturn = "return"
    case kTrue = "true"
    case kFalse = "false"
    case kNil = "nil"
    case kAnd = "and"
    case kOr = "or"
    case kNot = "not"
    case kSeed = "seed"
    case kInclude = "include"
    // Punctuation
    case lparen = "("
    case rparen = ")"
    case lbracket = "["
    case rbracket = "]"
    case lbrace = "{"
    case rbrace = "}"
    case comma = ","
    case colon = ":"
    case semicolon = ";"
    case dot = "."
    case dotDot = ".."
    case dotDotLess = "..<"
    case arrow = "=>"
    case assign = "="
    case plusAssign = "+="
    case minusAssign = "-="
    case starAssign = "*="
    case slashAssign = "/="
    case plus = "+"
    case minus = "-"
    case star = "*"
    case slash = "/"
    case percent = "%"
    case power = "**"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="

    static let keywords: [String: TokenKind] = Dictionary(
        uniqueKeysWithValues: [
            kLet, kVar, kFn, kIf, kElse, kFor, kIn, kWhile, kBreak, kContinue, kReturn,
            kTrue, kFalse, kNil, kAnd, kOr, kNot, kSeed, kInclude
        ].map { ($0.rawValue, $0) })

    /// How the kind reads in an error message.
    var display: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .identifier: return "a name"
        case .newline: return "end of line"
        case .eof: return "end of input"
        default: return TokenKind.keywords[rawValue] == nil ? "'\(rawValue)'" : "the keyword '\(rawValue)'"
        }
    }
}

/// One piece of a string literal: text, or an interpolated `{expression}` with an optional
/// format after a colon (`{loss:.4f}`).
public enum StringPart: Sendable {
    case text(String)
    case code(String, Loc, format: String?)
}

/// A token with its lexeme and where it starts.
public struct Token: Sendable {
    public let kind: TokenKind
    public let text: String
    public let loc: Loc
    /// The value of a number token.
    public var number: Double = 0
    /// The parts of a string token.
    public var parts: [StringPart] = []
}
