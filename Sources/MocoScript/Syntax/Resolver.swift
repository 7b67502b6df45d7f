/// Resolves every name to the frame and slot that hold it, before anything runs, and reports
/// what can be known statically: unknown names (with a suggestion), assignment to constants
/// and builtins, redeclarations, `break`/`continue` outside loops, `return` outside functions.
///
/// Scopes mirror runtime frames: the global scope (kept between inputs of a session), one per
/// function call, one per loop iteration, one per block that declares names.
public final class Resolver {
    struct Binding {
        let slot: Int
        var mutable: Bool
        let loc: Loc
    }

    final class Scope {
        var names: [String: Binding] = [:]
        var count = 0
        func declare(_ name: String, mutable: Bool, loc: Loc) -> Int {
            if let b = names[name] {
                names[name] = Binding(slot: b.slot, mutable: mutable, loc: loc)
                return b.slot
            }
            names[name] = Binding(slot: count, mutable: mutable, loc: loc)
            count += 1
            return count - 1
        }
    }

    private let global = Scope()
    private var scopes: [Scope]
    private var loopDepth = 0, functionDepth = 0
    private let builtins: [String: Value]
    private(set) var errors: [ScriptError] = []

    init(builtins: [String: Value]) {
        self.builtins = builtins
        scopes = [global]
    }

    /// Slots the global frame needs.
    var globalCount: Int { global.count }
    /// Names declared at the top level, for completion and `:vars`.
    var globalNames: [String: Int] { global.names.mapValues(\.slot) }

    /// The global scope's bindings, to undo an input's declarations with `undoGlobals`.
    var globalBindings: [String: Binding] { global.names }

    /// Forgets the global declarations made since `before`, except the names in `keeping`
    /// (declarations that ran): a new name is unknown again, a redeclared one is as it was.
    /// Their slots stay allocated and unused.
    func undoGlobals(since before: [String: Binding], keeping: Set<String>) {
        for name in global.names.keys where !keeping.contains(name) {
            global.names[name] = before[name]
        }
    }

    /// Declares a global variable from outside a program (the REPL's `_`) and returns its slot.
    func declareGlobal(_ name: String, at loc: Loc) -> Int {
        global.declare(name, mutable: true, loc: loc)
    }

    /// Resolves a top-level program (or REPL input). Names it declares stay declared for
    /// later inputs even when it has errors, so a session can go on.
    func resolve(_ statements: [Stmt]) -> [ScriptError] {
        errors = []
        for s in statements { statement(s) }
        return errors
    }

    // MARK: Statements

    private func statement(_ s: Stmt) {
        switch s {
        case .expression(let e, _): expression(e)
        case .declare(let ref, let value, let mutable):
            expression(value)
            declare(ref, mutable: mutable)
        case .assign(let target, _, let value, let loc):
            expression(value)
            assignTarget(target, loc: loc)
        case .function(let ref, let decl):
            declare(ref, mutable: false)
            function(decl)
        case .ifElse(let branches, let otherwise):
            for b in branches {
                expression(b.condition)
                block(b.body)
            }
            if let otherwise { block(otherwise) }
        case .whileLoop(let condition, let body):
            expression(condition)
            loopDepth += 1
            block(body)
            loopDepth -= 1
        case .forLoop(let ref, let sequence, let body, _):
            expression(sequence)
            let scope = Scope()
            scopes.append(scope)
            declare(ref, mutable: false)
            loopDepth += 1
            for st in body.statements { statement(st) }
            loopDepth -= 1
            scopes.removeLast()
            body.slotCount = scope.count
            body.hasFrame = true
        case .breakLoop(let loc):
            if loopDepth == 0 { error("'break' outside a loop", at: loc) }
        case .continueLoop(let loc):
            if loopDepth == 0 { error("'continue' outside a loop", at: loc) }
        case .returnValue(let value, let loc):
            if functionDepth == 0 { error("'return' outside a function", at: loc) }
            if let value { expression(value) }
        case .seed(let e, _): expression(e)
        case .include(_, let statements, _): for st in statements { statement(st) }
        }
    }

    private func block(_ b: Block) {
        let declares = b.statements.contains {
            switch $0 {
            case .declare, .function: return true
            default: return false
            }
        }
        guard declares else {
            for s in b.statements { statement(s) }
            return
        }
        let scope = Scope()
        scopes.append(scope)
        let savedLoop = loopDepth
        for s in b.statements { statement(s) }
        loopDepth = savedLoop
        scopes.removeLast()
        b.slotCount = scope.count
        b.hasFrame = true
    }

    private func function(_ decl: FunctionDecl) {
        let scope = Scope()
        scopes.append(scope)
        for p in decl.params { _ = scope.declare(p.name, mutable: true, loc: p.loc) }
        for p in decl.params { if let d = p.defaultValue { expression(d) } }
        let savedLoop = loopDepth
        loopDepth = 0
        functionDepth += 1
        for s in decl.body.statements { statement(s) }
        functionDepth -= 1
        loopDepth = savedLoop
        scopes.removeLast()
        decl.slotCount = scope.count
    }

    private func declare(_ ref: VarRef, mutable: Bool) {
        let scope = scopes.last!
        if scope !== global, let previous = scope.names[ref.name] {
            error(
                "'\(ref.name)' is already declared in this block (at \(previous.loc.line):\(previous.loc.column))",
                at: ref.loc,
                notes: ["assign to it with '\(ref.name) = ...' (declared with var), or pick another name"])
        }
        ref.slot = scope.declare(ref.name, mutable: mutable, loc: ref.loc)
        ref.hops = 0
    }

    private func assignTarget(_ target: Expr, loc: Loc) {
        switch target {
        case .variable(let ref):
            lookup(ref)
            guard ref.builtin == nil else {
                error(
                    "cannot assign to the builtin '\(ref.name)'", at: ref.loc,
                    notes: ["declare your own: let \(ref.name) = ..."])
                return
            }
            if let b = binding(ref), !b.mutable {
                error(
                    "cannot assign to '\(ref.name)': it is a constant (declared with let at \(b.loc.line):\(b.loc.column))",
                    at: ref.loc,
                    notes: ["declare it with 'var' to change it"])
            }
        case .member(let base, _, _): expression(base)
        case .index(let base, let index, _):
            expression(base)
            expression(index)
        default: expression(target)
        }
    }

    // MARK: Expressions

    private func expression(_ e: Expr) {
        switch e {
        case .literal: break
        case .interpolation(let parts, _):
            for case .expr(let x, _) in parts { expression(x) }
        case .variable(let ref): lookup(ref)
        case .list(let items, _): items.forEach(expression)
        case .record(let fields, _): for field in fields { expression(field.value) }
        case .unary(_, let x, _): expression(x)
        case .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b), .range(let a, let b, _, _),
            .index(let a, let b, _):
            expression(a)
            expression(b)
        case .call(let f, let args, let loc):
            expression(f)
            for a in args { expression(a.value) }
            // A call of a builtin by its own name binds the same way every time: check it now.
            if case .variable(let ref) = f, case .builtin(let b)? = ref.builtin {
                let named = args.compactMap { a in a.label.map { (label: $0, loc: a.loc) } }
                if let problem = b.parameters.problem(positional: args.count - named.count, named: named, at: loc) {
                    error(problem.message, at: problem.loc ?? loc, notes: problem.notes)
                }
            }
        case .member(let base, _, _): expression(base)
        case .lambda(let decl): function(decl)
        }
    }

    private func lookup(_ ref: VarRef) {
        for (hops, scope) in scopes.reversed().enumerated() {
            if let b = scope.names[ref.name] {
                (ref.hops, ref.slot) = (hops, b.slot)
                ref.constantSince = b.mutable ? nil : b.loc
                return
            }
        }
        if let b = builtins[ref.name] {
            ref.builtin = b
            return
        }
        var notes: [String] = []
        if let s = suggestion(for: ref.name) { notes.append("did you mean '\(s)'?") }
        error("unknown name '\(ref.name)'", at: ref.loc, notes: notes)
    }

    private func binding(_ ref: VarRef) -> Binding? {
        for scope in scopes.reversed() { if let b = scope.names[ref.name] { return b } }
        return nil
    }

    /// The closest known name, if close enough to be a likely typo.
    func suggestion(for name: String) -> String? {
        let candidates = Set(scopes.flatMap { $0.names.keys }).union(builtins.keys)
        return Self.closest(to: name, in: candidates)
    }

    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(1, name.count / 3)
        var best: (String, Int)?
        for c in candidates.sorted() {
            let d = editDistance(name, c)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`, ignoring case.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased())
        let b = Array(b.lowercased())
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    private func error(_ message: String, at loc: Loc, notes: [String] = []) {
        errors.append(ScriptError(.syntax, message, at: loc, notes: notes))
    }
}
