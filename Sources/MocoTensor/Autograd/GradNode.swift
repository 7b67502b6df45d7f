/// A node of the autograd graph. A leaf node belongs to a tensor the user marked
/// `requiresGrad` and accumulates its gradient; an interior node records the op
/// that produced a tensor and how to send the output gradient to the op's inputs.
final class GradNode {
    /// The op that made this node (`matmul`, `conv2d`), or `leaf`.
    let op: String
    /// The nodes of the op's inputs, aligned with what `backward` returns; nil where
    /// that input needs no gradient.
    var inputs: [GradNode?]
    /// Maps the gradient of the output to gradients of the inputs. Nil for leaves,
    /// and after the graph has been freed by `backward`.
    var backward: ((Tensor) throws -> [Tensor?])?
    /// The accumulated gradient (leaves only).
    var grad: Tensor?
    let isLeaf: Bool

    /// A leaf node.
    init() {
        op = "leaf"
        inputs = []
        backward = nil
        isLeaf = true
    }

    /// An interior node.
    init(op: String, inputs: [GradNode?], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
        isLeaf = false
    }
}
