/// The parameters of a callable (a builtin or a script function) and how a call's arguments bind
/// to them: by position, then by name, defaults for the rest. The one binder of both kinds of
/// callable, so their errors read the same, and of `moco check`, which reports them before
/// anything runs.
struct ParameterList: Sendable {
    /// The callable as messages name it (`train`, `resume`, `f`).
    let owner: String
    let names: [String]
    /// Which parameters have a default.
    let optional: [Bool]
    /// Takes any number of positional arguments; its parameters can then only be given by name.
    let variadic: Bool
    /// The signature that errors quote, made only when one is reported.
    let signature: @Sendable () -> String

    /// Why a call with `positional` positional arguments and these named ones cannot bind (too
    /// many, an unknown or repeated name, a required one missing), or nil.
    func problem(positional: Int, named: [(label: String, loc: Loc)], at loc: Loc) -> ScriptError? {
        let signatureNote = { "signature: \(signature())" }
        if !variadic && positional > names.count {
            let most = "\(names.count) argument\(names.count == 1 ? "" : "s")"
            return ScriptError(
                .runtime, "\(owner) takes at most \(most), got \(positional)", at: loc, notes: [signatureNote()])
        }
        let byPosition = variadic ? 0 : positional
        if named.isEmpty {  // the common case, without allocating
            guard let missing = (byPosition..<names.count).first(where: { !optional[$0] }) else { return nil }
            return ScriptError(
                .runtime, "\(owner) is missing argument '\(names[missing])'", at: loc, notes: [signatureNote()])
        }
        var given = Array(repeating: false, count: names.count)
        for i in 0..<byPosition { given[i] = true }
        for (label, argLoc) in named {
            guard let i = names.firstIndex(of: label) else {
                var notes = [signatureNote()]
                if let s = Resolver.closest(to: label, in: names) { notes.insert("did you mean '\(s)'?", at: 0) }
                return ScriptError(.runtime, "\(owner) has no argument '\(label)'", at: argLoc, notes: notes)
            }
            guard !given[i] else { return ScriptError(.runtime, "\(owner): '\(label)' is given twice", at: argLoc) }
            given[i] = true
        }
        if let missing = names.indices.first(where: { !given[$0] && !optional[$0] }) {
            return ScriptError(
                .runtime, "\(owner) is missing argument '\(names[missing])'", at: loc, notes: [signatureNote()])
        }
        return nil
    }

    /// The value given for each parameter, nil where its default applies; throws `problem`.
    func bind(_ positional: [Value], _ named: [(String, Value, Loc)], at loc: Loc) throws -> [Value?] {
        if let problem = problem(positional: positional.count, named: named.map { ($0.0, $0.2) }, at: loc) {
            throw problem
        }
        var bound = [Value?](repeating: nil, count: names.count)
        if !variadic { for (i, v) in positional.enumerated() { bound[i] = v } }
        for (label, v, _) in named {
            if let i = names.firstIndex(of: label) { bound[i] = v }
        }
        return bound
    }
}
