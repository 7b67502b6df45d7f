import MocoTensor

/// A layer, model or optimizer that refused its configuration or state.
public struct ModelError: OperationError, Equatable, Sendable {
    public let op: String
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }
}
