import Foundation
import MocoData
import MocoNN
import MocoTensor

/// Why training stopped early.
public struct TrainingStopped: Error, CustomStringConvertible {
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
        /// `cancelRequested` was seen at a step boundary.
        case cancelled
        /// The step's loss was not finite (the model is as before that step).
        case nonFiniteLoss(Float)

        public var description: String {
            switch self {
            case .cancelled: return "cancelled"
            case .nonFiniteLoss(let loss): return "the loss is \(loss.isNaN ? "nan" : "\(loss)")"
            }
        }
    }

    /// Global step (0-based) whose loss was not finite, or where cancellation was seen.
    public let step: Int
    public let reason: Reason
    /// Metrics of the last good step, if any.
    public let lastGood: StepMetrics?
    public var description: String { "training stopped at step \(step): \(reason)" }
}

/// When the learning-rate schedule is evaluated.
public enum LRUpdate: Sendable {
    /// Every step, at the fractional epoch.
    case perStep
    /// Once at the start of each epoch, at the 1-based epoch number (the CIFAR-10 MoCo demo's
    /// convention: `lr * 0.5 * (1 + cos(pi * e / E))` for `e = 1...E`).
    case perEpoch
}

/// A flag any thread may set and the training loop reads at step boundaries.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}

/// Progress reported after every step.
public struct Progress: Sendable {
    public let epoch: Int
    public let step: Int
    public let stepsPerEpoch: Int
    public let metrics: StepMetrics
}

/// Trains a MoCo model on a view loader: per step the lr and momentum come from their
/// schedules, the loss is computed, checked to be finite, back-propagated, and the
/// optimizer steps; the keys are then enqueued. A non-finite loss stops training with the
/// step and the last good metrics, leaving the model as before that step.
public final class MoCoTrainer {
    /// The most epochs a run may plan (a checkpoint claiming more is refused).
    public static let maxEpochs = 1_000_000

    public let model: MoCo
    public let optimizer: any Optimizer
    public var lr: Schedule
    public var lrUpdate: LRUpdate
    public var momentum: Schedule
    public internal(set) var loader: ViewLoader
    /// Every step's metrics so far.
    public internal(set) var history: [StepMetrics] = []
    /// kNN accuracy after each epoch with a monitor, as (epoch, accuracy).
    public internal(set) var knnHistory: [(epoch: Int, accuracy: Double)] = []
    /// Epochs completed.
    public internal(set) var epoch = 0
    /// Set from any thread to stop at the next step boundary.
    public var cancelRequested: Bool {
        get { cancel.value }
        set { cancel.value = newValue }
    }
    private let cancel = CancelFlag()

    public init(
        model: MoCo, optimizer: any Optimizer, loader: ViewLoader, lr: Schedule, lrUpdate: LRUpdate = .perStep,
        momentum: Schedule
    ) throws {
        guard loader.pipelines.count == 2 else { throw MoCoError("train", "MoCo needs a loader with two views") }
        (self.model, self.optimizer, self.loader, self.lr, self.lrUpdate, self.momentum) = (
            model, optimizer, loader, lr, lrUpdate, momentum
        )
    }

    /// Trains `epochs` more epochs (the first finishes an epoch a cancellation stopped part-way).
    /// With a monitor, kNN accuracy is measured after each.
    /// With `online`, its linear classifier learns from each step's detached query features.
    public func train(
        epochs: Int, monitor: KNNMonitor? = nil, online: OnlineClassifier? = nil,
        progress: ((Progress) -> Void)? = nil
    ) throws {
        let steps = loader.batchesPerEpoch
        for _ in 0..<epochs {
            let prefetch = Prefetcher(loader, epoch: epoch)
            defer { prefetch.finish() }
            // An epoch stopped part-way (cancelled) goes on after its last finished step: batches
            // depend only on (epoch, index), so the result is that of an uninterrupted run.
            let first = min(max(history.count - epoch * steps, 0), steps - 1)
            for b in first..<steps {
                let global = epoch * steps + b
                if cancelRequested {
                    cancelRequested = false
                    throw TrainingStopped(step: global, reason: .cancelled, lastGood: history.last)
                }
                let t = Double(epoch) + Double(b) / Double(steps)
                let lrValue = Float(lrUpdate == .perStep ? lr.value(atEpoch: t) : lr.value(atEpoch: Double(epoch + 1)))
                let m = Float(momentum.value(atEpoch: t))
                let batch = try prefetch.batch(b)
                let result: ContrastiveStep
                do {
                    result = try step(batch.views[0], batch.views[1], lr: lrValue, momentum: m)
                } catch let stop as NonFiniteLoss {
                    throw TrainingStopped(step: global, reason: .nonFiniteLoss(stop.loss), lastGood: history.last)
                }
                let metrics = result.metrics
                if let online, let features = result.queryFeatures {
                    try online.step(features, indices: batch.indices)
                }
                history.append(metrics)
                progress?(Progress(epoch: epoch, step: b, stepsPerEpoch: steps, metrics: metrics))
            }
            epoch += 1
            online?.endEpoch(epoch)
            if let monitor {
                knnHistory.append((epoch, try monitor.accuracy(model.query)))
            }
        }
    }

    /// A step whose loss was not finite; the model is as before it.
    public struct NonFiniteLoss: Error {
        public let loss: Float
    }

    /// One training step on two views at learning rate `lr` and key momentum `momentum`: the loss,
    /// checked to be finite, back-propagated, the optimizer's step, then the enqueue of the keys. A
    /// non-finite loss throws `NonFiniteLoss` and undoes what the step changed before it was known
    /// (the key encoder's EMA, the BN running statistics, the shuffle generator). `keyPermutation`
    /// replays a given shuffle-BN permutation (see `MoCo.loss`). The step is not added to `history`.
    public func step(
        _ viewQ: Tensor, _ viewK: Tensor, lr lrValue: Float, momentum m: Float,
        keyPermutation: [Int]? = nil
    ) throws -> ContrastiveStep {
        // What the step changes before its loss is known, kept to undo a non-finite step.
        // Tensors are copy-on-write: this costs one copy of the key encoder's weights
        // (the EMA writes them), small beside the step.
        let keyState = model.key.stateDict()
        let queryBuffers = model.query.namedBuffers().map(\.buffer.value)
        let shuffleState = model.shuffleRNG
        let result = try model.loss(viewQ, viewK, momentum: m, keyPermutation: keyPermutation)
        guard result.metrics.loss.isFinite else {
            try model.key.loadStateDict(keyState)
            for (b, v) in zip(model.query.namedBuffers(), queryBuffers) { b.buffer.value = v }
            model.shuffleRNG = shuffleState
            throw NonFiniteLoss(loss: result.metrics.loss)
        }
        optimizer.lr = lrValue
        optimizer.zeroGrad()
        try result.loss.backward()
        try optimizer.step()
        try model.enqueue(result.keys)
        var metrics = result.metrics
        metrics.lr = lrValue
        metrics.queueFill = model.queue.map { Float($0.filled) / Float($0.capacity) } ?? 0
        return ContrastiveStep(
            loss: result.loss, keys: result.keys, logits: result.logits, metrics: metrics,
            queryFeatures: result.queryFeatures)
    }
}
