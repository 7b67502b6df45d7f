/// What the REPL asks a session for completion and `:vars`: names, members and parameters,
/// read without running anything.
extension Interpreter {
    /// The language's keywords.
    public static var keywords: [String] { TokenKind.keywords.keys.sorted() }

    /// Builtin functions and constants.
    public static let builtinNames: [String] = BuiltinLibrary.globals.keys.sorted()

    /// Members offered after `value.` (properties, then methods).
    public func memberNames(of value: Value) -> [String] { Members.names(of: value) }

    /// The methods of `value`'s type (to add `(` after them).
    public func methodNames(of value: Value) -> Set<String> {
        Set(BuiltinLibrary.methods[value.typeName]?.map(\.name) ?? [])
    }

    /// A property of `value` (`run.model`), or nil when it has none of that name.
    public func property(_ value: Value, _ name: String) -> Value? {
        guard !methodNames(of: value).contains(name) else { return nil }
        return try? Members.get(value, name, interpreter: self, at: Self.sessionLoc)
    }

    /// The parameter names of a callable value (builtin, method or user function).
    public func parameterNames(of callee: Value) -> [String]? {
        switch callee {
        case .builtin(let b), .method(_, let b): return b.params.map(\.name)
        case .function(let c): return c.decl.params.map(\.name)
        default: return nil
        }
    }
}
