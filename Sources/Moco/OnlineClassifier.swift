import MocoNN
import MocoTensor

/// Online linear evaluation (as solo-learn's): a linear classifier trained beside pre-training on the detached
/// backbone features of each step's first view with those images' labels, so accuracy can be watched without
/// stopping. No gradient reaches the encoder. The features are standardised over each batch, then SGD (`lr`, default
/// 0.1, momentum 0.9, no weight decay) minimises the cross-entropy; after each epoch, the fraction of that epoch's
/// (augmented) images it classified correctly before learning from them.
public final class OnlineClassifier {
    public let head: Linear
    public let labels: [Int]
    let sgd: SGD
    /// Accuracy per finished epoch (1-based).
    public private(set) var history: [(epoch: Int, accuracy: Double)] = []
    private var correct = 0
    private var seen = 0

    /// A classifier of `features`-wide features into `classes` classes, for images with `labels` (by dataset index).
    public init(labels: [Int], classes: Int, features: Int, lr: Float = 0.1, using rng: inout RandomGenerator) throws {
        guard classes >= 2, labels.allSatisfy({ (0..<classes).contains($0) }) else {
            throw MoCoError("online", "needs labels of at least 2 classes")
        }
        head = try Linear(features, classes, using: &rng)
        sgd = try SGD(head.parameters(), lr: lr, momentum: 0.9)
        self.labels = labels
    }

    /// One update on `features` `[B, D]` (detached) of the images `indices`.
    public func step(_ features: Tensor, indices: [Int]) throws {
        let y = indices.map { labels[$0] }
        let logits = try head(try Self.standardized(features.detached()))
        let predicted = try logits.detached().argmax(axis: 1).scalars
        correct += zip(predicted, y).filter { Int($0) == $1 }.count
        seen += y.count
        let loss = try Tensor.crossEntropy(logits, labels: y)
        guard try loss.item().isFinite else { return }
        sgd.zeroGrad()
        try loss.backward()
        try sgd.step()
    }

    /// Features standardised over the batch, per dimension (as a batch norm without affine parameters would), so one
    /// learning rate suits any encoder.
    static func standardized(_ f: Tensor) throws -> Tensor {
        let mean = try f.mean(axes: [0], keepdims: true)
        let std = try f.variance(axes: [0], unbiased: false, keepdims: true).sqrt().clamp(min: 1e-5)
        return try (f - mean) / std
    }

    /// Closes epoch `epoch`: records its accuracy.
    public func endEpoch(_ epoch: Int) {
        if seen > 0 { history.append((epoch, Double(correct) / Double(seen))) }
        (correct, seen) = (0, 0)
    }
}
