import MocoTensor

/// A function implemented in Swift. Arguments are bound to `params` by position and name
/// (defaults filled in) before `body` runs.
public final class Builtin {
    public let name: String
    public let params: [Param]
    /// Takes any number of positional arguments (`augment(a, b, c)`, `plot(x, y, title: ...)`);
    /// its parameters can then only be given by name.
    public let variadic: Bool
    public let doc: Doc
    /// The type a method belongs to (`run` for `run.resume`), nil for a free function.
    public let receiverType: String?
    let body: (inout Arguments) throws -> Value

    init(_ name: String, _ params: [Param], variadic: Bool = false, on receiverType: String? = nil, doc: Doc,
         _ body: @escaping (inout Arguments) throws -> Value) {
        (self.name, self.params, self.variadic, self.receiverType, self.doc, self.body) = (name, params, variadic, receiverType, doc, body)
    }

    /// `name(a, b: 1, ...)`.
    public var signature: String {
        var parts = params.map { p in p.defaultText.map { "\(p.name): \($0)" } ?? p.name }
        if variadic { parts.insert("...", at: 0) }
        return "\(receiverType.map { "\($0)." } ?? "")\(name)(\(parts.joined(separator: ", ")))"
    }

    /// Why a call with `positional` positional arguments and these named ones cannot bind to the
    /// parameters (too many, an unknown or repeated name, a required one missing), or nil. The
    /// interpreter refuses such a call, and `moco check` reports it before anything runs.
    func bindingProblem(positional: Int, named: [(label: String, loc: Loc)], at loc: Loc) -> ScriptError? {
        let signature = "signature: \(self.signature)"
        if !variadic && positional > params.count {
            let most = "\(params.count) argument\(params.count == 1 ? "" : "s")"
            return ScriptError(.runtime, "\(name) takes at most \(most), got \(positional)", at: loc, notes: [signature])
        }
        var given = Array(repeating: false, count: params.count)
        for i in 0..<(variadic ? 0 : positional) { given[i] = true }
        for (label, argLoc) in named {
            guard let i = params.firstIndex(where: { $0.name == label }) else {
                var notes = [signature]
                if let s = Resolver.closest(to: label, in: params.map(\.name)) { notes.insert("did you mean '\(s)'?", at: 0) }
                return ScriptError(.runtime, "\(name) has no argument '\(label)'", at: argLoc, notes: notes)
            }
            guard !given[i] else { return ScriptError(.runtime, "\(name): '\(label)' is given twice", at: argLoc) }
            given[i] = true
        }
        if let missing = params.indices.first(where: { !given[$0] && params[$0].defaultValue == nil }) {
            return ScriptError(.runtime, "\(name) is missing argument '\(params[missing].name)'", at: loc, notes: [signature])
        }
        return nil
    }
}
