import Foundation
import MocoData
import MocoNN
import MocoTensor

/// An evaluation stopped because its `cancel` check returned true (Ctrl-C in the REPL).
public struct EvaluationInterrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// Backbone features of `images` in eval mode without gradient (not normalised). `cancel` is
/// asked before each batch; when it returns true, `EvaluationInterrupted` is thrown.
public func backboneFeatures(
    _ encoder: any Encoder, _ images: Tensor, batch: Int = 512,
    cancel: () -> Bool = { false }
) throws -> Tensor {
    try encoder.inEvalMode {
        try withoutGrad {
            var parts: [Tensor] = []
            for start in stride(from: 0, to: images.shape[0], by: batch) {
                if cancel() { throw EvaluationInterrupted() }
                parts.append(
                    try encoder.features(
                        images.indexSelect(axis: 0, Array(start..<min(start + batch, images.shape[0])))))
            }
            return try Tensor.concat(parts)
        }
    }
}

/// A linear classifier trained on frozen features, as MoCo's linear evaluation: SGD (lr 30,
/// momentum 0.9, no weight decay) with a half-cycle cosine over `epochs`, batch 256, on
/// features standardised with the training set's per-dimension mean and std (so one
/// learning rate suits any encoder). Returns the test top-1 accuracy.
public struct LinearProbe {
    public var epochs = 100
    public var lr: Float = 30
    public var momentum: Float = 0.9
    public var batch = 256
    public var seed: UInt64 = 0

    public init(epochs: Int = 100, lr: Float = 30, seed: UInt64 = 0) {
        (self.epochs, self.lr, self.seed) = (epochs, lr, seed)
    }

    /// The probe's test accuracy on `encoder`'s backbone features; `cancel` is asked before each
    /// feature batch and each SGD step (`EvaluationInterrupted` when it returns true).
    public func accuracy(
        _ encoder: any Encoder, train: LabeledImages, test: LabeledImages,
        cancel: () -> Bool = { false }
    ) throws -> Double {
        try accuracy(
            trainFeatures: backboneFeatures(encoder, train.images, cancel: cancel), trainLabels: train.labels,
            testFeatures: backboneFeatures(encoder, test.images, cancel: cancel), testLabels: test.labels,
            classes: train.classes.count, cancel: cancel)
    }

    public func accuracy(
        trainFeatures: Tensor, trainLabels: [Int], testFeatures: Tensor, testLabels: [Int], classes: Int,
        cancel: () -> Bool = { false }
    ) throws -> Double {
        let mean = try trainFeatures.mean(axes: [0], keepdims: true)
        let std = try trainFeatures.variance(axes: [0], unbiased: false, keepdims: true).sqrt().clamp(min: 1e-6)
        let xTrain = try (trainFeatures - mean) / std
        let xTest = try (testFeatures - mean) / std
        var rng = RandomGenerator(seed: seed)
        let head = try Linear(xTrain.shape[1], classes, using: &rng)
        let sgd = try SGD(head.parameters(), lr: lr, momentum: momentum)
        let schedule = Schedule.cosine(Double(lr), epochs: Double(epochs))
        let n = xTrain.shape[0]
        let b = min(batch, n)
        let steps = max(n / b, 1)
        var data = rng.stream("probe-data")
        for epoch in 0..<epochs {
            let order = data.permutation(n)
            for s in 0..<steps {
                if cancel() { throw EvaluationInterrupted() }
                let idx = Array(order[(s * b)..<((s + 1) * b)])
                sgd.lr = Float(schedule.value(atEpoch: Double(epoch) + Double(s) / Double(steps)))
                let loss = try Tensor.crossEntropy(
                    head(xTrain.indexSelect(axis: 0, idx)), labels: idx.map { trainLabels[$0] })
                sgd.zeroGrad()
                try loss.backward()
                try sgd.step()
            }
        }
        let predicted = try withoutGrad { try head(xTest) }.argmax(axis: 1).scalars
        return Double(zip(predicted, testLabels).filter { Int($0) == $1 }.count) / Double(max(testLabels.count, 1))
    }
}

/// Representation quality measures on L2-normalised features.
public enum RepresentationMetrics {
    /// Alignment (Wang & Isola 2020): mean `||f(x) - f(y)||^2` over positive pairs, the
    /// rows of `a` and `b` (lower is better).
    public static func alignment(_ a: Tensor, _ b: Tensor) throws -> Float {
        let d = try a - b
        return try (d * d).sum(axes: [1]).mean().item()
    }

    /// Uniformity (Wang & Isola 2020): `log mean exp(-t ||f(x) - f(y)||^2)` over all pairs of
    /// distinct rows, with `t = 2` (lower is better).
    public static func uniformity(_ f: Tensor, t: Float = 2) throws -> Float {
        let n = f.shape[0]
        guard n > 1 else { throw MoCoError("uniformity", "needs at least 2 features, got \(n)") }
        let sim = try f.matmul(f.transposed()).scalars
        var terms: [Double] = []
        terms.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n { for j in (i + 1)..<n { terms.append(Double(-t * max(0, 2 - 2 * sim[i * n + j]))) } }
        let m = terms.max() ?? 0
        return Float(m + log(terms.reduce(0) { $0 + exp($1 - m) } / Double(terms.count)))
    }

    /// The collapse measure (SimSiam): the mean over dimensions of the standard deviation of
    /// L2-normalised features, to compare with `1/sqrt(d)` (collapse drives it to 0).
    public static func featureStd(_ f: Tensor) throws -> (std: Float, reference: Float) {
        let std = try f.variance(axes: [0], unbiased: false).sqrt().mean().item()
        return (std, 1 / Float(f.shape[1]).squareRoot())
    }
}
