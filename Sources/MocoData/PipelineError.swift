import MocoTensor

/// An augmentation, loader or subset that refused its arguments.
public struct PipelineError: OperationError, Equatable, Sendable {
    public let op: String
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }
}
