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

    /// The whole state as checkpoint entries named under `online.`: the head, its optimizer's buffers, the history
    /// and the counts of an unfinished epoch.
    func saved() -> StateDict {
        var state: StateDict = head.stateDict().map { ("online.head." + $0.name, $0.tensor) }
        for (name, t) in sgd.state().sorted(by: { $0.key < $1.key }) {
            state.append(("online.optimizer." + name, .float(t)))
        }
        state.append(("online.epoch", .int64(history.map { Int64($0.epoch) }, shape: [history.count])))
        state.append(("online.accuracy_f64", CheckpointFile.entry(history.map(\.accuracy))))
        state.append(("online.counts", .int64([Int64(correct), Int64(seen)], shape: [2])))
        return state
    }

    /// The accuracy per epoch that `saved()` wrote in `f`, checked (epochs in range, accuracies in 0...1).
    static func history(in f: CheckpointFile) throws -> [(epoch: Int, accuracy: Double)] {
        let epochs = try f.ints("online.epoch")
        let accuracy = try f.doubles("online.accuracy_f64")
        guard epochs.count == accuracy.count, accuracy.allSatisfy({ (0...1).contains($0) }),
            epochs.allSatisfy({ $0 >= 1 && $0 <= Int64(MoCoTrainer.maxEpochs) })
        else { throw f.fail("online.epoch and online.accuracy_f64 are not an accuracy per epoch") }
        return zip(epochs, accuracy).map { (Int($0), $1) }
    }

    /// Checks the state `saved()` wrote (read from `file`) against this classifier and returns what takes it:
    /// nothing changes when it is refused.
    func prepareRestore(_ f: CheckpointFile) throws -> () throws -> Void {
        let headState = f.section("online.head.")
        do { try head.copy().loadStateDict(headState) } catch let e as StateDictError {
            throw f.fail("online.head.*: \(e.message)")
        }
        let restored = try Self.history(in: f)
        let counts = try f.ints("online.counts")
        guard counts.count == 2, counts[1] >= 0, (0...counts[1]).contains(counts[0]) else {
            throw f.fail("online.counts \(counts) are not a count of correct and seen images")
        }
        let optimizer = f.floatSection("online.optimizer.")
        // A trial load into a copy's optimizer, so the real one takes the state without a refusal.
        do { try SGD(head.copy().parameters(), lr: 0.1, momentum: 0.9).load(state: optimizer) } catch let e
            as any OperationError
        { throw f.fail("online.optimizer.*: \(e.description)") }
        return { [self] in
            do { try sgd.load(state: optimizer) } catch let e as any OperationError { throw f.fail(e.description) }
            try head.loadStateDict(headState)
            history = restored
            (correct, seen) = (Int(counts[0]), Int(counts[1]))
        }
    }

    /// Closes epoch `epoch`: records its accuracy.
    public func endEpoch(_ epoch: Int) {
        if seen > 0 { history.append((epoch, Double(correct) / Double(seen))) }
        (correct, seen) = (0, 0)
    }
}
