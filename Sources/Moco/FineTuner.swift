import Foundation
import MocoData
import MocoNN
import MocoTensor

/// One fine-tuning step's outcome.
public struct FineTuneStep: Equatable, Sendable {
    /// Cross-entropy of the batch.
    public var loss: Float
    /// Images of the batch classified correctly (before the update).
    public var correct: Int
    /// Images in the batch.
    public var count: Int
    /// The head's learning rate.
    public var lr: Float
}

/// One fine-tuning epoch's summary.
public struct FineTuneEpoch: Equatable, Sendable {
    /// The epoch (1-based).
    public var epoch: Int
    /// Mean training loss and accuracy over its steps.
    public var loss: Double
    public var trainAccuracy: Double
    /// Accuracy on the held-out images after the epoch, when they were given.
    public var testAccuracy: Double?
}

/// Supervised fine-tuning of a classifier (a pre-trained or freshly initialised backbone and a new linear head):
/// cross-entropy on augmented, shuffled batches of labelled images (`drop_last`), SGD with momentum and weight
/// decay, the head at `lr` and the backbone at `backboneLR` (schedules of the fractional epoch, read every step).
///
/// With `freeze`, the backbone stays in eval mode and receives no gradient, so its weights and batch-norm
/// statistics are left bit-identical: a linear probe with augmentation. As `MoCoTrainer`, a non-finite loss stops
/// training with the model as before that step, cancellation stops at a step boundary, and training resumes exactly
/// (batches depend only on the epoch and their index).
public final class FineTuner {
    public let classifier: Classifier
    public let labels: [Int]
    public let freeze: Bool
    public var lr: Schedule
    public var backboneLR: Schedule
    public let headOptimizer: SGD
    /// Nil when frozen.
    public let backboneOptimizer: SGD?
    public internal(set) var loader: ViewLoader
    /// Every step so far.
    public internal(set) var steps: [FineTuneStep] = []
    /// Every finished epoch.
    public internal(set) var epochs: [FineTuneEpoch] = []
    /// Epochs completed.
    public var epoch: Int { epochs.count }
    /// Set from any thread to stop at the next step boundary.
    public var cancelRequested: Bool {
        get { cancel.value }
        set { cancel.value = newValue }
    }
    private let cancel = CancelFlag()

    /// Fine-tunes `classifier` on `images` with `labels` seen through `views`.
    public init(
        classifier: Classifier, images: Tensor, labels: [Int], views: any Augmentation, batch: Int,
        lr: Schedule, backboneLR: Schedule, momentum: Float = 0.9, weightDecay: Float = 0, freeze: Bool,
        seed: RandomGenerator
    ) throws {
        guard labels.count == images.shape.first, labels.allSatisfy({ (0..<classifier.classes.count).contains($0) })
        else {
            throw MoCoError("finetune", "needs one label in 0..<\(classifier.classes.count) per image")
        }
        loader = try ViewLoader(images: images, batchSize: batch, pipelines: [views], seed: seed)
        (self.classifier, self.labels, self.freeze, self.lr, self.backboneLR) = (
            classifier, labels, freeze, lr, backboneLR
        )
        let head = classifier.head.parameters()
        let headIDs = Set(head.map(ObjectIdentifier.init))
        let backbone = classifier.encoder.parameters().filter { !headIDs.contains(ObjectIdentifier($0)) }
        headOptimizer = try SGD(head, lr: 0, momentum: momentum, weightDecay: weightDecay)
        backboneOptimizer = freeze ? nil : try SGD(backbone, lr: 0, momentum: momentum, weightDecay: weightDecay)
    }

    /// Trains `epochs` more epochs (the first finishes an epoch that a cancellation stopped part-way); after each,
    /// `evaluate` (if any) gives the held-out accuracy recorded with it.
    public func train(
        epochs count: Int, evaluate: ((Classifier) throws -> Double)? = nil,
        progress: ((Progress, FineTuneStep) -> Void)? = nil
    ) throws {
        let perEpoch = loader.batchesPerEpoch
        for _ in 0..<count {
            let e = epoch
            let prefetch = Prefetcher(loader, epoch: e)
            defer { prefetch.finish() }
            let first = min(max(steps.count - e * perEpoch, 0), perEpoch - 1)
            for b in first..<perEpoch {
                let global = e * perEpoch + b
                if cancelRequested {
                    cancelRequested = false
                    throw TrainingStopped(step: global, reason: .cancelled, lastGood: nil)
                }
                let t = Double(e) + Double(b) / Double(perEpoch)
                let batch = try prefetch.batch(b)
                let step = try self.step(
                    batch.views[0], labels: batch.indices.map { labels[$0] }, lr: Float(lr.value(atEpoch: t)),
                    backboneLR: Float(backboneLR.value(atEpoch: t)), at: global)
                steps.append(step)
                let metrics = StepMetrics(
                    loss: step.loss, top1: Float(step.correct) / Float(step.count), positive: 0, negative: 0,
                    lr: step.lr, momentum: 0, queueFill: 0)
                progress?(Progress(epoch: e, step: b, stepsPerEpoch: perEpoch, metrics: metrics), step)
            }
            let done = steps.suffix(perEpoch)
            let images = Double(done.reduce(0) { $0 + $1.count })
            epochs.append(
                FineTuneEpoch(
                    epoch: e + 1, loss: done.reduce(0) { $0 + Double($1.loss) } / Double(perEpoch),
                    trainAccuracy: Double(done.reduce(0) { $0 + $1.correct }) / images,
                    testAccuracy: try evaluate?(classifier)))
        }
    }

    /// One step (global index `global`): the loss of `images` (already augmented) against `labels`, checked to be
    /// finite, then the updates. It is not added to `steps`.
    /// A non-finite loss throws `TrainingStopped` and restores the batch-norm statistics the forward pass moved.
    public func step(
        _ images: Tensor, labels: [Int], lr: Float, backboneLR: Float, at global: Int
    ) throws -> FineTuneStep {
        let encoder = classifier.encoder
        let buffers = encoder.namedBuffers().map(\.buffer.value)
        let logits: Tensor
        if freeze {
            let features = try backboneFeatures(encoder, images, batch: images.shape[0])
            logits = try encoder.fc(features)
        } else {
            encoder.train()
            logits = try encoder(images)
        }
        let loss = try Tensor.crossEntropy(logits, labels: labels)
        let value = try loss.item()
        guard value.isFinite else {
            for (b, v) in zip(encoder.namedBuffers(), buffers) { b.buffer.value = v }
            throw TrainingStopped(step: global, reason: .nonFiniteLoss(value), lastGood: nil)
        }
        let predicted = try logits.detached().argmax(axis: 1).scalars
        let correct = zip(predicted, labels).filter { Int($0) == $1 }.count
        headOptimizer.lr = lr
        headOptimizer.zeroGrad()
        backboneOptimizer?.lr = backboneLR
        backboneOptimizer?.zeroGrad()
        try loss.backward()
        try headOptimizer.step()
        try backboneOptimizer?.step()
        return FineTuneStep(loss: value, correct: correct, count: labels.count, lr: lr)
    }
}
