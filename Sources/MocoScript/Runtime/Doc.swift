import MocoTensor

/// The documentation of a builtin: the single source of `help(name)` and `docs/builtins.md`.
public struct Doc: Sendable {
    /// What it does, one or a few sentences.
    public let summary: String
    /// One example line of `.moco`.
    public let example: String

    public init(_ summary: String, example: String) { (self.summary, self.example) = (summary, example) }
}
