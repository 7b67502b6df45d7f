/// The kinds of token; keywords and punctuation carry their spelling.
public enum TokenKind: String, Sendable {
    case number, string, identifier, newline, eof
    // Keywords
    case kLet = "let", kVar = "var", kFn = "fn", kIf = "if", kElse = "else", kFor = "for", kIn = "in"
    case kWhile = "while", kBreak = "break", kContinue = "continue", kReturn = "return"
    case kTrue = "true", kFalse = "false", kNil = "nil", kAnd = "and", kOr = "or", kNot = "not"
    case kSeed = "seed", kInclude = "include"
    // Punctuation
    case lparen = "(", rparen = ")", lbracket = "[", rbracket = "]", lbrace = "{", rbrace = "}"
    case comma = ",", colon = ":", semicolon = ";", dot = ".", dotDot = "..", dotDotLess = "..<", arrow = "=>"
    case assign = "=", plusAssign = "+=", minusAssign = "-=", starAssign = "*=", slashAssign = "/="
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%", power = "**"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="

    static let keywords: [String: TokenKind] = Dictionary(uniqueKeysWithValues: [
        kLet, kVar, kFn, kIf, kElse, kFor, kIn, kWhile, kBreak, kContinue, kReturn,
        kTrue, kFalse, kNil, kAnd, kOr, kNot, kSeed, kInclude,
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
