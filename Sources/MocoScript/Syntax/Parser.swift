import Foundation
import MocoSupport
import MocoTensor

/// Whether a piece of input is a whole program yet (for the REPL's continuation prompt).
public enum InputStatus: Equatable, Sendable {
    case complete
    /// An open bracket or block, a trailing operator: ask for another line.
    case incomplete
    case error
}

/// A recursive-descent parser for `.moco` source. It reports every error it can find in one
/// pass: after an error it skips to the end of the statement and goes on.
///
/// Precedence, loosest first: `or`, `and`, `not`, comparisons, ranges `..`/`..<`, `+ -`,
/// `* / %`, unary `-`, `**` (right-associative), then calls, members and indexing.
public struct Parser {
    private var tokens: [Token]
    private var position = 0
    private let file: Int32
    private let includes: IncludeLoader?
    public private(set) var errors: [ScriptError] = []
    /// True when the first error was running out of input (see `InputStatus`).
    public private(set) var ranOutOfInput = false
    private var nesting = 0
    /// Depth of the expression tree being parsed: nesting plus operators chained in a row (`1 + 1 + ...`
    /// is as deep as it is long for the resolver and the interpreter).
    private var depth = 0
    /// Brackets the current statement has opened and not yet closed. After an error it still
    /// counts those open at the error, which recovery skips past.
    private var openBrackets = 0

    /// Parses `text` registered as `file`; `includes` resolves `include` statements (none: an error).
    public init(_ text: String, file: Int32, firstLine: Int = 1, includes: IncludeLoader? = nil) {
        var lexer = Lexer(text, file: file, line: firstLine)
        tokens = lexer.tokenize()
        errors = lexer.errors
        self.file = file
        self.includes = includes
    }

    private init(tokens: [Token], file: Int32, includes: IncludeLoader?) {
        (self.tokens, self.file, self.includes) = (tokens, file, includes)
    }

    /// Parses a whole program.
    public mutating func parseProgram() -> [Stmt] {
        var statements: [Stmt] = []
        skipSeparators()
        while !check(.eof) {
            let before = position
            if let s = statementOrRecover() { statements.append(s) }
            if position == before { advance() }  // a stray '}' at the top level: skip it
            skipSeparators()
        }
        return statements
    }

    /// Complete, incomplete or erroneous, for the REPL.
    public static func status(of text: String) -> InputStatus {
        var p = Parser(text, file: SourceFiles.register(name: "<input>", text: text))
        _ = p.parseProgram()
        if p.errors.isEmpty { return .complete }
        return p.ranOutOfInput ? .incomplete : .error
    }

    // MARK: Statements

    private mutating func statementOrRecover() -> Stmt? {
        let outerBrackets = openBrackets
        openBrackets = 0
        defer { openBrackets = outerBrackets }
        do {
            let s = try statement()
            if !check(.newline), !check(.semicolon), !check(.eof), !check(.rbrace) {
                throw fail(
                    "expected end of statement, found \(current.kind.display)",
                    notes: ["put one statement per line, or separate them with ';'"])
            }
            return s
        } catch {
            // Errors made by `fail` are recorded already; the others are recorded here.
            if let e = error as? ScriptError, errors.last?.brief != e.brief { errors.append(e) }
            synchronize()
            return nil
        }
    }

    private mutating func statement() throws -> Stmt {
        let t = current
        switch t.kind {
        case .kLet, .kVar:
            advance()
            let name = try expectName("a name after '\(t.text)'")
            try expect(.assign, "'=' and a value after '\(t.text) \(name.text)'")
            return .declare(VarRef(name.text, name.loc), try expression(), mutable: t.kind == .kVar)
        case .kFn where peek(1).kind == .identifier:
            advance()
            let name = advance()
            let decl = try functionRest(name: name.text, loc: t.loc)
            return .function(VarRef(name.text, name.loc), decl)
        case .kIf: return try ifStatement()
        case .kWhile:
            advance()
            let condition = try expression()
            return .whileLoop(condition, try block("while"))
        case .kFor:
            advance()
            let name = try expectName("a loop variable after 'for'")
            try expect(.kIn, "'in' after 'for \(name.text)'")
            let sequence = try expression()
            return .forLoop(VarRef(name.text, name.loc), sequence, try block("for"), t.loc)
        case .kBreak:
            advance()
            return .breakLoop(t.loc)
        case .kContinue:
            advance()
            return .continueLoop(t.loc)
        case .kReturn:
            advance()
            if check(.newline) || check(.semicolon) || check(.rbrace) || check(.eof) { return .returnValue(nil, t.loc) }
            return .returnValue(try expression(), t.loc)
        case .kSeed:
            advance()
            return .seed(try expression(), t.loc)
        case .kInclude:
            advance()
            guard check(.string), case .text(let path)? = current.parts.first, current.parts.count == 1 else {
                throw fail("expected a file name in quotes after 'include'")
            }
            let pathLoc = advance().loc
            guard let includes else { throw ScriptError(.syntax, "include is not available here", at: t.loc) }
            do {
                return .include(path, try includes.load(path, at: pathLoc, from: file), t.loc)
            } catch let e as ScriptErrors {
                errors += e.errors
                throw e
            }
        default:
            let target = try expression()
            let ops: [TokenKind: BinaryOp?] = [
                .assign: nil, .plusAssign: .add, .minusAssign: .subtract, .starAssign: .multiply, .slashAssign: .divide
            ]
            if let op = ops[current.kind] {
                let opToken = advance()
                switch target {
                case .variable, .member, .index: break
                default:
                    throw ScriptError(
                        .syntax, "cannot assign to this expression", at: target.loc ?? opToken.loc,
                        notes: ["assign to a name, a member (model.queue) or an element (xs[0])"])
                }
                skipNewlines()
                return .assign(target, op, try expression(), opToken.loc)
            }
            return .expression(target, target.loc ?? t.loc)
        }
    }

    private mutating func ifStatement() throws -> Stmt {
        var branches: [(condition: Expr, body: Block)] = []
        var otherwise: Block?
        repeat {
            advance()  // 'if'
            let condition = try expression()
            branches.append((condition, try block("if")))
            guard peekPastNewlines().kind == .kElse else { break }
            skipNewlines()
            advance()  // 'else'
            if !check(.kIf) {
                otherwise = try block("else")
                break
            }
        } while true
        return .ifElse(branches, otherwise: otherwise)
    }

    private mutating func block(_ owner: String) throws -> Block {
        try nested { try $0.blockBody(owner) }
    }

    private mutating func blockBody(_ owner: String) throws -> Block {
        guard check(.lbrace) else {
            throw fail("expected '{' to start the body of '\(owner)', found \(current.kind.display)")
        }
        let open = advance()
        var statements: [Stmt] = []
        skipSeparators()
        while !check(.rbrace) {
            if check(.eof) {
                throw fail("expected '}' to close the block opened at \(open.loc.line):\(open.loc.column)")
            }
            let before = position
            if let s = statementOrRecover() { statements.append(s) }
            if position == before, !check(.rbrace) { advance() }
            skipSeparators()
        }
        advance()
        return Block(statements)
    }

    private mutating func functionRest(name: String, loc: Loc) throws -> FunctionDecl {
        try expect(.lparen, "'(' and the parameters of '\(name)'")
        var params: [ParamDecl] = []
        skipNewlines()
        while !check(.rparen) {
            let p = try expectName("a parameter name")
            var value: Expr?
            if check(.colon) || check(.assign) {
                advance()
                value = try expression()
            }
            guard !params.contains(where: { $0.name == p.text }) else {
                throw ScriptError(.syntax, "duplicate parameter '\(p.text)'", at: p.loc)
            }
            if value == nil, params.last?.defaultValue != nil {
                throw ScriptError(
                    .syntax, "parameter '\(p.text)' needs a default: it follows one that has one", at: p.loc)
            }
            params.append(ParamDecl(name: p.text, loc: p.loc, defaultValue: value))
            skipNewlines()
            if !check(.rparen) {
                try expect(.comma, "',' or ')' after parameter '\(p.text)'")
                skipNewlines()
            }
        }
        advance()
        if check(.arrow) {
            let arrow = advance()
            skipNewlines()
            let body = try expression()
            return FunctionDecl(
                name: name, params: params, body: Block([.returnValue(body, body.loc ?? arrow.loc)]), loc: loc)
        }
        return FunctionDecl(name: name, params: params, body: try block("fn"), loc: loc)
    }

    // MARK: Expressions

    public mutating func expression() throws -> Expr {
        try nested { try $0.orExpr() }
    }

    /// Runs `body` one nesting level deeper, refusing input nested beyond 100 levels (deeper
    /// would exhaust the stack of the parser and the interpreter).
    private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        nesting += 1
        depth += 1
        defer {
            nesting -= 1
            depth -= 1
        }
        if nesting > 100 { throw fail("nested too deeply (more than 100 levels)") }
        if depth > Self.maxDepth {
            throw fail("expression too deep (more than \(Self.maxDepth) operators and levels); split it with let")
        }
        return try body(&self)
    }

    /// The deepest expression tree accepted.
    static let maxDepth = 1_000

    /// One more operator in a chain: the tree grows one level deeper.
    private mutating func chained(_ extra: inout Int) throws {
        depth += 1
        extra += 1
        if depth > Self.maxDepth {
            throw fail("expression too deep (more than \(Self.maxDepth) operators and levels); split it with let")
        }
    }

    private mutating func orExpr() throws -> Expr {
        var e = try andExpr()
        var extra = 0
        defer { depth -= extra }
        while check(.kOr) {
            try chained(&extra)
            advance()
            skipNewlines()
            e = .or(e, try andExpr())
        }
        return e
    }

    private mutating func andExpr() throws -> Expr {
        var e = try notExpr()
        var extra = 0
        defer { depth -= extra }
        while check(.kAnd) {
            try chained(&extra)
            advance()
            skipNewlines()
            e = .and(e, try notExpr())
        }
        return e
    }

    private mutating func notExpr() throws -> Expr {
        if check(.kNot) {
            let t = advance()
            return .unary(.not, try nested { try $0.notExpr() }, t.loc)
        }
        return try comparison()
    }

    private mutating func comparison() throws -> Expr {
        let e = try rangeExpr()
        let ops: [TokenKind: BinaryOp] = [
            .equal: .equal, .notEqual: .notEqual, .less: .less, .lessEqual: .lessEqual,
            .greater: .greater, .greaterEqual: .greaterEqual
        ]
        if let op = ops[current.kind] {
            let t = advance()
            skipNewlines()
            let rhs = try rangeExpr()
            if ops[current.kind] != nil {
                throw fail("comparisons do not chain", notes: ["write 'a < b and b < c'"])
            }
            return .binary(op, e, rhs, t.loc)
        }
        return e
    }

    private mutating func rangeExpr() throws -> Expr {
        let e = try additive()
        if check(.dotDot) || check(.dotDotLess) {
            let t = advance()
            skipNewlines()
            return .range(e, try additive(), inclusive: t.kind == .dotDot, t.loc)
        }
        return e
    }

    private mutating func additive() throws -> Expr {
        var e = try multiplicative()
        var extra = 0
        defer { depth -= extra }
        while check(.plus) || check(.minus) {
            try chained(&extra)
            let t = advance()
            skipNewlines()
            e = .binary(t.kind == .plus ? .add : .subtract, e, try multiplicative(), t.loc)
        }
        return e
    }

    private mutating func multiplicative() throws -> Expr {
        var e = try unary()
        var extra = 0
        defer { depth -= extra }
        while check(.star) || check(.slash) || check(.percent) {
            try chained(&extra)
            let t = advance()
            skipNewlines()
            e = .binary(t.kind == .star ? .multiply : t.kind == .slash ? .divide : .remainder, e, try unary(), t.loc)
        }
        return e
    }

    private mutating func unary() throws -> Expr {
        if check(.minus) {
            let t = advance()
            let operand = try nested { try $0.unary() }
            if case .literal(.number(let x), _) = operand { return .literal(.number(-x), t.loc) }
            return .unary(.negate, operand, t.loc)
        }
        return try power()
    }

    private mutating func power() throws -> Expr {
        let base = try postfix()
        if check(.power) {
            // Right-associative: `a ** b ** c` nests to the right, one level per operator.
            var extra = 0
            defer { depth -= extra }
            try chained(&extra)
            let t = advance()
            skipNewlines()
            return .binary(.power, base, try unary(), t.loc)
        }
        return base
    }

    private mutating func postfix() throws -> Expr {
        var e = try primary()
        var extra = 0
        defer { depth -= extra }
        while true {
            try chained(&extra)
            if check(.lparen) {
                let open = advance()
                e = .call(e, try arguments(open), open.loc)
            } else if check(.dot) {
                advance()
                let name = try expectName("a member name after '.'")
                e = .member(e, name.text, name.loc)
            } else if check(.lbracket) {
                let open = advance()
                openBrackets += 1
                skipNewlines()
                let index = try expression()
                skipNewlines()
                try expect(.rbracket, "']' to close '[' at \(open.loc.line):\(open.loc.column)")
                openBrackets -= 1
                e = .index(e, index, open.loc)
            } else {
                return e
            }
        }
    }

    private mutating func arguments(_ open: Token) throws -> [Argument] {
        openBrackets += 1
        var args: [Argument] = []
        skipNewlines()
        while !check(.rparen) {
            let start = current
            var label: String?
            if start.kind == .identifier, peek(1).kind == .colon {
                label = start.text
                advance()
                advance()
                skipNewlines()
            } else if args.last?.label != nil {
                throw fail("positional argument after a named one", notes: ["put positional arguments first"])
            }
            if let label, args.contains(where: { $0.label == label }) {
                throw ScriptError(.syntax, "argument '\(label)' given twice", at: start.loc)
            }
            args.append(Argument(label: label, value: try expression(), loc: start.loc))
            skipNewlines()
            if !check(.rparen) {
                try expect(.comma, "',' or ')' to close the call opened at \(open.loc.line):\(open.loc.column)")
                skipNewlines()
            }
        }
        advance()
        openBrackets -= 1
        return args
    }

    private mutating func primary() throws -> Expr {
        let t = current
        switch t.kind {
        case .number:
            advance()
            return .literal(.number(t.number), t.loc)
        case .string:
            advance()
            return try stringLiteral(t)
        case .kTrue:
            advance()
            return .literal(.bool(true), t.loc)
        case .kFalse:
            advance()
            return .literal(.bool(false), t.loc)
        case .kNil:
            advance()
            return .literal(.nil, t.loc)
        case .identifier:
            advance()
            return .variable(VarRef(t.text, t.loc))
        case .lparen:
            advance()
            openBrackets += 1
            skipNewlines()
            let e = try expression()
            skipNewlines()
            try expect(.rparen, "')' to close '(' at \(t.loc.line):\(t.loc.column)")
            openBrackets -= 1
            return e
        case .lbracket:
            advance()
            openBrackets += 1
            var items: [Expr] = []
            skipNewlines()
            while !check(.rbracket) {
                items.append(try expression())
                skipNewlines()
                if !check(.rbracket) {
                    try expect(.comma, "',' or ']' to close the list opened at \(t.loc.line):\(t.loc.column)")
                    skipNewlines()
                }
            }
            advance()
            openBrackets -= 1
            return .list(items, t.loc)
        case .lbrace:
            advance()
            openBrackets += 1
            var fields: [(key: String, value: Expr)] = []
            skipNewlines()
            while !check(.rbrace) {
                let key: String
                let k = current
                if k.kind == .identifier || TokenKind.keywords[k.text] != nil {
                    key = k.text
                    advance()
                } else if k.kind == .string, case .text(let s)? = k.parts.first, k.parts.count == 1 {
                    key = s
                    advance()
                } else {
                    throw fail("expected a field name in a record, found \(k.kind.display)")
                }
                try expect(.colon, "':' after field '\(key)'")
                skipNewlines()
                if fields.contains(where: { $0.key == key }) {
                    throw ScriptError(.syntax, "field '\(key)' given twice", at: k.loc)
                }
                fields.append((key, try expression()))
                skipNewlines()
                if !check(.rbrace) {
                    try expect(.comma, "',' or '}' to close the record opened at \(t.loc.line):\(t.loc.column)")
                    skipNewlines()
                }
            }
            advance()
            openBrackets -= 1
            return .record(fields, t.loc)
        case .kFn:
            advance()
            return .lambda(try functionRest(name: "fn", loc: t.loc))
        case .eof:
            throw fail("expected an expression, found end of input")
        default:
            throw fail("expected an expression, found \(t.kind.display)")
        }
    }

    private mutating func stringLiteral(_ t: Token) throws -> Expr {
        if t.parts.count == 1, case .text(let s) = t.parts[0] { return .literal(.string(s), t.loc) }
        var parts: [InterpolationPart] = []
        for part in t.parts {
            switch part {
            case .text(let s): parts.append(.text(s))
            case .code(let code, let loc, let format):
                var lexer = Lexer(code, file: loc.file, line: Int(loc.line), column: Int(loc.column))
                var sub = Parser(tokens: lexer.tokenize(), file: file, includes: nil)
                errors += lexer.errors
                guard !sub.check(.eof) else {
                    throw ScriptError(
                        .syntax, "empty '{}' in string", at: loc, notes: ["write \\{ for a literal brace"])
                }
                let e = try sub.expression()
                if !sub.check(.eof) {
                    errors += sub.errors
                    throw sub.fail("expected '}' after the interpolated expression, found \(sub.current.kind.display)")
                }
                errors += sub.errors
                parts.append(.expr(e, format: format))
            }
        }
        return .interpolation(parts, t.loc)
    }

    // MARK: Tokens

    private var current: Token { tokens[position] }
    private func peek(_ k: Int) -> Token { tokens[min(position + k, tokens.count - 1)] }
    private func check(_ kind: TokenKind) -> Bool { current.kind == kind }

    @discardableResult
    private mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    private mutating func skipNewlines() { while check(.newline) { advance() } }
    private mutating func skipSeparators() { while check(.newline) || check(.semicolon) { advance() } }

    private func peekPastNewlines() -> Token {
        var i = position
        while tokens[i].kind == .newline, i < tokens.count - 1 { i += 1 }
        return tokens[i]
    }

    private mutating func expect(_ kind: TokenKind, _ what: String) throws {
        guard check(kind) else { throw fail("expected \(what), found \(current.kind.display)") }
        advance()
    }

    private mutating func expectName(_ what: String) throws -> Token {
        guard check(.identifier) else {
            throw fail("expected \(what), found \(current.kind.display)")
        }
        return advance()
    }

    /// Records an error at the current token and returns it for throwing.
    private mutating func fail(_ message: String, notes: [String] = []) -> ScriptError {
        let e = ScriptError(.syntax, message, at: current.loc, notes: notes)
        if errors.isEmpty, current.kind == .eof { ranOutOfInput = true }
        errors.append(e)
        return e
    }

    /// Skips to the end of the current statement (a newline or ';' outside brackets).
    private mutating func synchronize() {
        var depth = 0
        var unclosed = openBrackets
        while !check(.eof) {
            switch current.kind {
            case .lparen, .lbracket, .lbrace: depth += 1
            case .rparen, .rbracket, .rbrace:
                if depth > 0 {
                    depth -= 1
                } else if unclosed > 0 {
                    unclosed -= 1
                } else if current.kind == .rbrace {
                    return
                }
            case .newline, .semicolon: if depth == 0 && unclosed == 0 { return }
            default: break
            }
            advance()
        }
    }
}
