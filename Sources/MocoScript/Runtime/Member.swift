/// Where a member is read or written: the interpreter (for its generators) and the location
/// of `value.name`, for errors.
struct MemberAccess {
    unowned let interpreter: Interpreter
    let loc: Loc

    func error(_ message: String, notes: [String] = []) -> ScriptError {
        ScriptError(.runtime, message, at: loc, notes: notes)
    }
}

/// A property of an engine type (`model.queue`, `run.loss`): its name, its documentation, how
/// it is read and, when it is settable, how it is written. The single source of evaluation,
/// completion, `help` and `docs/builtins.md`.
struct Member: Sendable {
    let name: String
    let doc: String
    /// The value, or nil where this value has no such property (`labels` of a split dataset).
    let get: @Sendable (Value, MemberAccess) throws -> Value?
    /// Assigns the property (`model.queue = 4096`); nil for a read-only one.
    let set: (@Sendable (Value, Value, MemberAccess) throws -> Void)?

    var settable: Bool { self.set != nil }
    /// As `help()` lists it: `queue (settable)`.
    var listing: String { settable ? "\(name) (settable)" : name }
}

/// The members of one script type: properties, then methods (builtins with a receiver).
struct MemberTable: Sendable {
    /// The type's name as `Value.typeName` spells it.
    let type: String
    let properties: [Member]
    let methods: [Builtin]
    /// A better error than "has no member" for a name this type lacks but a related one has
    /// (`digits.test` on images without a split): the message and its notes, or nil.
    var unavailable: (@Sendable (Value, String) -> (message: String, notes: [String])?)? = nil
}

/// Builds the members of a type whose values unwrap to `Base` (`.model(m)` to `m`), so each
/// getter and setter receives the engine object itself.
struct MemberBuilder<Base>: Sendable {
    let unwrap: @Sendable (Value) -> Base?

    /// A read-only property.
    func property(_ name: String, _ doc: String, _ get: @escaping @Sendable (Base, MemberAccess) throws -> Value?)
        -> Member
    {
        Member(name: name, doc: doc, get: { v, a in try unwrap(v).flatMap { try get($0, a) } }, set: nil)
    }

    /// A property that can be assigned.
    func settable(
        _ name: String, _ doc: String, get: @escaping @Sendable (Base, MemberAccess) throws -> Value?,
        set: @escaping @Sendable (Base, Value, MemberAccess) throws -> Void
    ) -> Member {
        Member(
            name: name, doc: doc, get: { v, a in try unwrap(v).flatMap { try get($0, a) } },
            set: { v, new, a in
                guard let base = unwrap(v) else { throw a.error("cannot set '\(name)' of \(v.typeName)") }
                try set(base, new, a)
            })
    }
}
