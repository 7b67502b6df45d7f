import MocoTensor

/// A function implemented in Swift. Arguments are bound to `params` by position and name
/// (defaults filled in) before `body` runs.
public final class Builtin: Sendable {
    public let name: String
    public let params: [Param]
    /// Takes any number of positional arguments (`augment(a, b, c)`, `plot(x, y, title: ...)`);
    /// its parameters can then only be given by name.
    public let variadic: Bool
    public let doc: Doc
    /// The type a method belongs to (`run` for `run.resume`), nil for a free function.
    public let receiverType: String?
    /// What a call changes besides its result, for the notebook's dependency analysis (`NameFlow`): the parameters
    /// whose engine objects it changes in place (`train` changes `model`; `self` is a method's receiver).
    public let mutates: Set<String>
    /// The parameters whose objects the result holds on to (the run `train` returns holds its model), so a later
    /// change to either is a change to both.
    public let keeps: Set<String>
    let body: @Sendable (inout Arguments) throws -> Value
    /// How a call's arguments bind to `params`.
    let parameters: ParameterList

    init(
        _ name: String, _ params: [Param], variadic: Bool = false, on receiverType: String? = nil,
        mutates: Set<String> = [], keeps: Set<String> = [], doc: Doc,
        _ body: @escaping @Sendable (inout Arguments) throws -> Value
    ) {
        (self.name, self.params, self.variadic, self.receiverType, self.doc, self.body) = (
            name, params, variadic, receiverType, doc, body
        )
        (self.mutates, self.keeps) = (mutates, keeps)
        parameters = ParameterList(
            owner: name, names: params.map(\.name), optional: params.map { $0.defaultValue != nil },
            variadic: variadic
        ) { Self.signature(name, params, variadic: variadic, on: receiverType) }
    }

    /// `name(a, b: 1, ...)`.
    public var signature: String { Self.signature(name, params, variadic: variadic, on: receiverType) }

    private static func signature(_ name: String, _ params: [Param], variadic: Bool, on receiverType: String?) -> String
    {
        var parts = params.map { p in p.defaultText.map { "\(p.name): \($0)" } ?? p.name }
        if variadic { parts.insert("...", at: 0) }
        return "\(receiverType.map { "\($0)." } ?? "")\(name)(\(parts.joined(separator: ", ")))"
    }
}
