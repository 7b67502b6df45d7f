/// Which top-level names each cell of a notebook defines and uses, found from its parsed source without running it
/// (the notebook cache keys a cell on the cells that last defined what it uses, so an edit re-runs only the cells that
/// depend on it).
///
/// A cell *defines* the names it declares or assigns, and the names of the engine objects it changes in place
/// (`train(model, ...)`, `model.queue = ...`, `run.resume()`), together with every name that may hold the same object:
/// `let run = train(model, ...)` ties `run` to `model` (the run holds the model), so a later `run.resume()` defines
/// `model` too. A cell *uses* the names it reads, and those that the functions it refers to read; calling a function
/// that changes globals defines them, and calling one that changes objects given to it defines every name the cell
/// reads. A `seed` statement defines the session's seed, which every cell uses; `include` defines and uses everything.
/// Where it cannot tell, it errs towards a dependency: a cell may run when it did not need to, never the reverse.
public struct NameFlow {
    /// The pseudo-name of the session's seed (`seed 0`), which every cell uses.
    public static let seed = "(seed)"
    /// The pseudo-name of every name: a cell that `include`s a file, or does not parse, defines and uses it.
    public static let everything = "(everything)"

    /// What one cell does to the session's top-level names.
    public struct Effects: Equatable, Sendable {
        public var defines: Set<String>
        public var uses: Set<String>
    }

    /// What calling a user function does: the globals it reads and changes, and whether it may change objects given
    /// to it.
    struct FunctionEffects {
        var uses: Set<String> = []
        var defines: Set<String> = []
        var changesArguments = false
    }

    /// The user functions defined so far, by name.
    private var functions: [String: FunctionEffects] = [:]
    /// Names that may hold the same engine object, as a union-find forest.
    private var parent: [String: String] = [:]

    public init() {}

    /// The effects of the next cell, `source`, after the cells already added.
    public mutating func add(_ source: String) -> Effects {
        var parser = Parser(source, file: SourceFiles.register(name: "<cell>", text: source))
        let program = parser.parseProgram()
        guard parser.errors.isEmpty else {
            return Effects(defines: [Self.everything], uses: [Self.everything])
        }
        let walk = Walk(functions: functions)
        for s in program { walk.statement(s) }
        for (name, roots) in walk.ties {
            for root in roots { union(name, root) }
        }
        var defines = walk.defines
        let changed = walk.callsArgumentChanging ? walk.mutated.union(walk.uses) : walk.mutated
        for name in changed { defines.formUnion(group(of: name)) }
        for name in walk.defines { functions[name] = walk.newFunctions[name] }
        return Effects(defines: defines, uses: walk.uses.union([Self.seed]))
    }

    private func find(_ name: String) -> String {
        var n = name
        while let p = parent[n], p != n { n = p }
        return n
    }

    private mutating func union(_ a: String, _ b: String) {
        let (ra, rb) = (find(a), find(b))
        if ra != rb { parent[ra] = rb }
        if parent[rb] == nil { parent[rb] = rb }
    }

    /// `name` and every name tied to it.
    private func group(of name: String) -> Set<String> {
        let root = find(name)
        return Set(parent.keys.filter { find($0) == root }).union([name])
    }

    /// The names of methods that change their receiver (`run.resume`, `classifier.restore`).
    private static let changingMethods: Set<String> = Set(
        BuiltinLibrary.methods.values.joined().filter { $0.mutates.contains("self") }.map(\.name))

    /// One walk over a cell (or a function body inside it).
    private final class Walk {
        var scopes: [Set<String>]
        let functions: [String: FunctionEffects]
        var newFunctions: [String: FunctionEffects] = [:]
        var uses: Set<String> = [], defines: Set<String> = [], mutated: Set<String> = []
        /// `let name = value` at the top level: the names whose objects `name` may hold.
        var ties: [(String, Set<String>)] = []
        /// A local name's object (a parameter's) is changed: calling the function changes what it was given.
        var changesLocal = false
        /// The cell calls a function that changes objects given to it.
        var callsArgumentChanging = false

        init(functions: [String: FunctionEffects], scopes: [Set<String>] = []) {
            (self.functions, self.scopes) = (functions, scopes)
        }

        private func isLocal(_ name: String) -> Bool { scopes.contains { $0.contains(name) } }

        private func effects(of name: String) -> FunctionEffects? { newFunctions[name] ?? functions[name] }

        private func builtin(_ name: String) -> Builtin? {
            guard !isLocal(name), effects(of: name) == nil, case .builtin(let b)? = BuiltinLibrary.globals[name]
            else { return nil }
            return b
        }

        private func declareLocal(_ name: String) { scopes[scopes.count - 1].insert(name) }

        func statement(_ s: Stmt) {
            switch s {
            case .expression(let e, _): expression(e)
            case .declare(let ref, let value, _):
                expression(value)
                if scopes.isEmpty {
                    defines.insert(ref.name)
                    ties.append((ref.name, roots(value)))
                    newFunctions[ref.name] = functionValue(value)
                } else {
                    declareLocal(ref.name)
                }
            case .assign(let target, _, let value, _):
                expression(value)
                expression(target)
                guard let root = Self.root(of: target) else { return }
                if case .variable = target, !isLocal(root) {
                    defines.insert(root)
                    ties.append((root, roots(value)))
                    // In a branch or a loop the function may or may not be replaced: both count.
                    let replaced = functionValue(value)
                    if scopes.isEmpty {
                        newFunctions[root] = replaced
                    } else if let replaced {
                        let old = effects(of: root) ?? FunctionEffects()
                        newFunctions[root] = FunctionEffects(
                            uses: old.uses.union(replaced.uses), defines: old.defines.union(replaced.defines),
                            changesArguments: old.changesArguments || replaced.changesArguments)
                    }
                } else if case .variable = target {
                    return
                } else {
                    change(root)
                }
            case .function(let ref, let decl):
                let effects = function(decl)
                if scopes.isEmpty {
                    defines.insert(ref.name)
                    newFunctions[ref.name] = effects
                } else {
                    declareLocal(ref.name)
                    apply(effects)
                }
            case .ifElse(let branches, let otherwise):
                for branch in branches {
                    expression(branch.condition)
                    block(branch.body)
                }
                if let otherwise { block(otherwise) }
            case .whileLoop(let condition, let body):
                expression(condition)
                block(body)
            case .forLoop(let ref, let sequence, let body, _):
                expression(sequence)
                block(body, declaring: [ref.name])
            case .breakLoop, .continueLoop: break
            case .returnValue(let e, _): if let e { expression(e) }
            case .seed(let e, _):
                expression(e)
                mutated.insert(NameFlow.seed)
            case .include:
                defines.insert(NameFlow.everything)
                uses.insert(NameFlow.everything)
            }
        }

        private func block(_ b: Block, declaring names: Set<String> = []) {
            scopes.append(names)
            for s in b.statements { statement(s) }
            scopes.removeLast()
        }

        /// The effects of calling `decl`: its body walked with its parameters as locals.
        private func function(_ decl: FunctionDecl) -> FunctionEffects {
            let inner = Walk(functions: functions.merging(newFunctions) { _, new in new }, scopes: scopes)
            inner.scopes.append(Set(decl.params.map(\.name)).union([decl.name]))
            for p in decl.params { if let d = p.defaultValue { inner.expression(d) } }
            for s in decl.body.statements { inner.statement(s) }
            return FunctionEffects(
                uses: inner.uses, defines: inner.defines.union(inner.mutated),
                changesArguments: inner.changesLocal || inner.callsArgumentChanging)
        }

        /// The function a declared value is, when it is one (a lambda, or a name of a function).
        private func functionValue(_ e: Expr) -> FunctionEffects? {
            switch e {
            case .lambda(let decl): return function(decl)
            case .variable(let ref): return isLocal(ref.name) ? nil : effects(of: ref.name)
            default: return nil
            }
        }

        private func apply(_ f: FunctionEffects) {
            uses.formUnion(f.uses)
            mutated.formUnion(f.defines)
            if f.changesArguments { callsArgumentChanging = true }
        }

        /// The object of `name` is changed in place.
        private func change(_ name: String) {
            if isLocal(name) {
                changesLocal = true
            } else {
                uses.insert(name)
                mutated.insert(name)
            }
        }

        func expression(_ e: Expr) {
            switch e {
            case .literal: break
            case .interpolation(let parts, _):
                for case .expr(let inner, _) in parts { expression(inner) }
            case .variable(let ref):
                guard !isLocal(ref.name) else { return }
                uses.insert(ref.name)
                if let f = effects(of: ref.name) { apply(f) }
            case .list(let items, _):
                for item in items { expression(item) }
            case .record(let fields, _):
                for field in fields { expression(field.value) }
            case .unary(_, let a, _): expression(a)
            case .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b), .range(let a, let b, _, _),
                .index(let a, let b, _):
                expression(a)
                expression(b)
            case .member(let base, _, _): expression(base)
            case .lambda(let decl): apply(function(decl))
            case .call(let callee, let args, _):
                expression(callee)
                for a in args { expression(a.value) }
                if case .variable(let ref) = callee, let b = builtin(ref.name) {
                    for p in b.mutates {
                        guard let arg = argument(p, of: b, in: args) else { continue }
                        for name in roots(arg) { change(name) }
                    }
                } else if case .member(let base, let name, _) = callee, NameFlow.changingMethods.contains(name) {
                    for name in roots(base) { change(name) }
                }
            }
        }

        /// The argument of `args` bound to the parameter `name` of `b`.
        private func argument(_ name: String, of b: Builtin, in args: [Argument]) -> Expr? {
            if let named = args.first(where: { $0.label == name }) { return named.value }
            guard !b.variadic, let index = b.params.firstIndex(where: { $0.name == name }) else { return nil }
            let positional = args.filter { $0.label == nil }
            return positional.indices.contains(index) ? positional[index].value : nil
        }

        /// The names whose objects the value of `e` may hold.
        private func roots(_ e: Expr) -> Set<String> {
            switch e {
            case .variable(let ref): return [ref.name]
            case .member(let base, _, _), .index(let base, _, _): return roots(base)
            case .list(let items, _): return items.reduce(into: []) { $0.formUnion(roots($1)) }
            case .record(let fields, _): return fields.reduce(into: []) { $0.formUnion(roots($1.value)) }
            case .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b): return roots(a).union(roots(b))
            case .lambda(let decl): return function(decl).uses
            case .call(let callee, let args, _):
                if case .variable(let ref) = callee, let b = builtin(ref.name) {
                    return b.keeps.reduce(into: []) { all, p in
                        if let arg = argument(p, of: b, in: args) { all.formUnion(roots(arg)) }
                    }
                }
                if case .member(let base, _, _) = callee { return roots(base) }
                var all = roots(callee)
                if case .variable(let ref) = callee, let f = effects(of: ref.name) { all.formUnion(f.uses) }
                for a in args { all.formUnion(roots(a.value)) }
                return all
            case .literal, .interpolation, .unary, .range: return []
            }
        }

        /// The variable an assignment target starts from (`model` in `model.queue = 1`).
        private static func root(of target: Expr) -> String? {
            switch target {
            case .variable(let ref): return ref.name
            case .member(let base, _, _), .index(let base, _, _): return root(of: base)
            default: return nil
            }
        }
    }
}
