import MocoTensor

/// MoCo, its trainer or an evaluation that refused its arguments.
public struct MoCoError: OperationError, Equatable, Sendable {
    public let op: String
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }
}
