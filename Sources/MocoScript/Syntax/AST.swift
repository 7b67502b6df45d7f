/// A name in the source, filled in by the resolver with where its value lives: `hops`
/// frames up from the current one, at `slot`.
public final class VarRef {
    public let name: String
    public let loc: Loc
    var hops = -1
    var slot = -1
    /// Where the name was declared with `let`, when it was (element and field writes check it).
    var constantSince: Loc?
    /// Set instead of a slot when the name is a builtin.
    var builtin: Value?

    init(_ name: String, _ loc: Loc) { (self.name, self.loc) = (name, loc) }
}

/// A block of statements. The resolver decides whether it needs its own frame (it does when
/// it declares names) and how many slots that frame has.
public final class Block {
    public let statements: [Stmt]
    var slotCount = 0
    var hasFrame = false

    init(_ statements: [Stmt]) { self.statements = statements }
}

/// A parameter of a user function, with an optional default expression.
public struct ParamDecl {
    public let name: String
    public let loc: Loc
    public let defaultValue: Expr?
}

/// A user function or lambda (`fn name(a, b: 1) { ... }`, `fn(t) => expr`).
public final class FunctionDecl {
    public let name: String
    public let params: [ParamDecl]
    public let body: Block
    public let loc: Loc
    /// Slots of the call frame (parameters first).
    var slotCount = 0
    /// How a call's arguments bind to `params`.
    private(set) lazy var parameters = ParameterList(
        owner: name, names: params.map(\.name),
        optional: params.map { $0.defaultValue != nil }, variadic: false
    ) {
        [name, shown = params.map { $0.defaultValue == nil ? $0.name : "\($0.name): ..." }] in
        "fn \(name)(\(shown.joined(separator: ", ")))"
    }

    init(name: String, params: [ParamDecl], body: Block, loc: Loc) {
        (self.name, self.params, self.body, self.loc) = (name, params, body, loc)
    }
}

/// An argument at a call site: positional, or named (`epochs: 10`).
public struct Argument {
    public let label: String?
    public let value: Expr
    public let loc: Loc
}

/// Part of an interpolated string.
public enum InterpolationPart {
    case text(String)
    case expr(Expr, format: String?)
}

public enum BinaryOp: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
    case power = "**"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
}

public enum UnaryOp: String, Sendable {
    case negate = "-"
    case not = "not"
}

/// Expressions.
public indirect enum Expr {
    case literal(Value, Loc)
    case interpolation([InterpolationPart], Loc)
    case variable(VarRef)
    case list([Expr], Loc)
    case record([(key: String, value: Expr)], Loc)
    case unary(UnaryOp, Expr, Loc)
    case binary(BinaryOp, Expr, Expr, Loc)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case range(Expr, Expr, inclusive: Bool, Loc)
    case call(Expr, [Argument], Loc)
    case member(Expr, String, Loc)
    case index(Expr, Expr, Loc)
    case lambda(FunctionDecl)

    /// Where the expression starts (for error messages).
    public var loc: Loc? {
        switch self {
        case .literal(_, let l): return l
        case .interpolation(_, let l), .list(_, let l), .record(_, let l), .unary(_, _, let l), .range(_, _, _, let l):
            return l
        case .binary(_, let a, _, let l): return a.loc ?? l
        case .variable(let v): return v.loc
        case .and(let a, _), .or(let a, _): return a.loc
        case .call(let f, _, let l), .member(let f, _, let l), .index(let f, _, let l): return f.loc ?? l
        case .lambda(let f): return f.loc
        }
    }
}

/// Statements.
public indirect enum Stmt {
    case expression(Expr, Loc)
    /// `let`/`var name = value`.
    case declare(VarRef, Expr, mutable: Bool)
    /// `target = value` or a compound assignment (`op` is the arithmetic of `+=` etc.).
    case assign(Expr, BinaryOp?, Expr, Loc)
    case function(VarRef, FunctionDecl)
    case ifElse([(condition: Expr, body: Block)], otherwise: Block?)
    case whileLoop(Expr, Block)
    case forLoop(VarRef, Expr, Block, Loc)
    case breakLoop(Loc)
    case continueLoop(Loc)
    case returnValue(Expr?, Loc)
    case seed(Expr, Loc)
    /// `include "file.moco"`: the included file's statements, parsed in place.
    case include(String, [Stmt], Loc)
}

extension Stmt {
    /// The line the statement starts on (`moco run` finds a notebook cell's first statement by it).
    var line: Int? {
        let loc: Loc?
        switch self {
        case .expression(_, let l), .assign(_, _, _, let l), .forLoop(_, _, _, let l), .breakLoop(let l),
            .continueLoop(let l), .returnValue(_, let l), .seed(_, let l), .include(_, _, let l):
            loc = l
        case .declare(let ref, _, _), .function(let ref, _): loc = ref.loc
        case .ifElse(let branches, _): loc = branches.first?.condition.loc
        case .whileLoop(let condition, _): loc = condition.loc
        }
        return loc.map { Int($0.line) }
    }
}
