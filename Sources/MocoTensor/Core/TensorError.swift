/// An error raised by a tensor operation: the operation's name and a message that
/// names the shapes or arguments involved.
///
/// Every op that can be misused from a script throws this instead of trapping, so a
/// REPL or interpreter built on the engine can report it and carry on.
///
///     matmul: [32, 64] x [32, 10]: inner dimensions 64 and 32 differ
public struct TensorError: OperationError, Equatable, Sendable {
    /// The operation that refused its input, as users call it (`matmul`, `conv2d`).
    public let op: String
    /// What was wrong, naming the shapes and values involved.
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }

}

/// An operation that refused its input, as users call it (`matmul`, `random_resized_crop`, `moco`), and what was
/// wrong. Each module throws its own type: `TensorError` (the engine), `ModelError` (layers, models,
/// optimizers), `PipelineError` (augmentations, loaders, subsets) and `MoCoError` (MoCo, training, evaluation),
/// so a caller can tell where a problem comes from and a front end can report all of them alike.
public protocol OperationError: Error, CustomStringConvertible {
    var op: String { get }
    var message: String { get }
}

extension OperationError {
    public var description: String { "\(op): \(message)" }
}

/// Formats a shape as users read it: `[32, 64]`.
func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

extension TensorError {
    /// An axis out of range for a tensor of the given rank.
    static func axis(_ op: String, _ axis: Int, rank: Int) -> TensorError {
        TensorError(op, "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
}

/// Normalises a possibly negative axis into `0..<rank`, or throws.
func normalizeAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a < rank else { throw TensorError.axis(op, axis, rank: rank) }
    return a
}
