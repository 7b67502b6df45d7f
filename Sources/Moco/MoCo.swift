import Foundation
import MocoNN
import MocoTensor

/// What the loss of one step computed, before the optimizer acts on it.
public struct ContrastiveStep {
    /// The InfoNCE loss (with the graph to the query encoder).
    public let loss: Tensor
    /// The normalised keys to enqueue once the loss is known to be finite.
    public let keys: Tensor
    /// The logits the loss was computed from, `[N, 1 + K]` for v1/v2 (`[2N, 1 + K]` when symmetric), `[N, N]` per
    /// view for v3 (both views stacked).
    public let logits: Tensor
    public let metrics: StepMetrics
    /// The query encoder's backbone features of the first view, detached (for an online classifier).
    public var queryFeatures: Tensor? = nil
}

/// What one training step measured.
public struct StepMetrics: Equatable, Sendable {
    /// InfoNCE loss.
    public var loss: Float
    /// Fraction of queries whose positive key scored highest (contrastive top-1).
    public var top1: Float
    /// Mean cosine similarity of each query with its positive key.
    public var positive: Float
    /// Mean cosine similarity of the queries with the negatives.
    public var negative: Float
    /// Learning rate and key-encoder momentum used by the step.
    public var lr: Float
    public var momentum: Float
    /// Fraction of the queue holding real keys after the step.
    public var queueFill: Float
}

/// MoCo v1/v2 (He et al. 2020; Chen et al. 2020) as facebookresearch/moco's builder.py
/// with the CIFAR-10 demo's single-device conventions: a query encoder trained by
/// back-propagation, a key encoder that follows it by EMA (updated before the key forward),
/// a FIFO queue of keys, logits `[q.k+, q.queue] / T` and cross-entropy to the positive.
/// Shuffle-BN is emulated on one device by permuting the key batch before the key encoder
/// (whose split batch norm then normalises different sub-batches) and restoring the order.
///
/// MoCo v3 (Chen, Xie & He 2021; `MoCo(v3Encoder:predictor:)`) has no queue: a predictor
/// follows the query encoder's projector, the negatives are the other keys of the batch,
/// and the loss is symmetric, `ctr(q1, k2) + ctr(q2, k1)` with `ctr` scaled by `2T`.
public final class MoCo {
    public let variant: Variant
    public let query: any Encoder
    public let key: any Encoder
    /// The queue of negatives (v1/v2); nil for v3.
    public var queue: KeyQueue?
    /// The predictor after the query projector (v3); nil for v1/v2.
    public let predictor: (any Module)?
    /// Softmax temperature `T`.
    public var temperature: Float
    /// Also compute the loss with the views swapped (keys of both views are enqueued once).
    public var symmetric: Bool
    /// Whether the key batch is shuffled before the key encoder (shuffle-BN emulation).
    public var shuffleKeys: Bool
    /// When set, `loss` adds the time of its phases to it (a profile of the step; nil: not timed).
    public var phases: PhaseClock?
    var shuffleRNG: RandomGenerator

    /// - Parameters:
    ///   - variant: `.v1` or `.v2` (they differ only in the head, which `encoder.fc` holds).
    ///   - encoder: the query encoder, with its head in `fc`; the key encoder is a deep copy.
    ///   - queueSize: `K`, the number of negatives.
    public init(
        variant: Variant = .v2, encoder: any Encoder, queueSize: Int, temperature: Float = 0.2, symmetric: Bool = false,
        shuffleKeys: Bool = true, using rng: inout RandomGenerator
    ) throws {
        guard variant.usesQueue else {
            throw MoCoError("moco", "\(variant) has no queue; use MoCo(v3Encoder:predictor:)")
        }
        guard temperature > 0 else { throw MoCoError("moco", "temperature must be positive, got \(temperature)") }
        self.variant = variant
        query = encoder
        key = encoder.copy()
        for p in key.parameters() { p.requiresGrad = false }
        var queueRNG = rng.stream("queue")
        queue = try KeyQueue(dim: try Self.outputDimension(of: encoder), capacity: queueSize, using: &queueRNG)
        predictor = nil
        shuffleRNG = rng.stream("shuffle-bn")
        (self.temperature, self.symmetric, self.shuffleKeys) = (temperature, symmetric, shuffleKeys)
    }

    /// MoCo v3: `encoder.fc` is the projector (see `Heads.v3Projector`), `predictor` follows
    /// it (see `Heads.v3Predictor`); moco-v3 uses `T = 1` for ResNets. The key batch is not
    /// shuffled (v3 has no shuffle-BN).
    public init(
        v3Encoder encoder: any Encoder, predictor: any Module, temperature: Float = 1, using rng: inout RandomGenerator
    ) throws {
        guard temperature > 0 else { throw MoCoError("moco", "temperature must be positive, got \(temperature)") }
        variant = .v3
        query = encoder
        key = encoder.copy()
        for p in key.parameters() { p.requiresGrad = false }
        queue = nil
        self.predictor = predictor
        shuffleRNG = rng.stream("shuffle-bn")
        (self.temperature, symmetric, shuffleKeys) = (temperature, true, false)
    }

    /// The parameters the optimizer trains: the query encoder's and the predictor's.
    public func trainableParameters() -> [Parameter] {
        query.parameters() + (predictor?.parameters() ?? [])
    }

    /// The width of the head's output (the key dimension).
    static func outputDimension(of encoder: any Encoder) throws -> Int {
        if let fc = encoder.fc as? Linear { return fc.outFeatures }
        if let seq = encoder.fc as? Sequential, let last = seq.layers.last(where: { $0 is Linear }) as? Linear {
            return last.outFeatures
        }
        throw MoCoError("moco", "the encoder's head must end with a linear layer")
    }

    /// Normalised keys for `images`, computed by the key encoder without gradient, in the
    /// order of `images` (shuffled through the encoder when `shuffleKeys`, by `permutation` or
    /// else one drawn from the model's generator).
    func keys(_ images: Tensor, permutation: [Int]? = nil) throws -> Tensor {
        try withoutGrad {
            let n = images.shape[0]
            guard shuffleKeys else { return try key(images).l2Normalized(axis: 1) }
            if let permutation, permutation.count != n || Set(permutation) != Set(0..<n) {
                throw MoCoError(
                    "moco", "a key permutation must order the \(n) keys of the batch, got \(permutation.count) indices")
            }
            let perm = permutation ?? shuffleRNG.permutation(n)
            var inverse = [Int](repeating: 0, count: n)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            let k = try key(images.indexSelect(axis: 0, perm)).l2Normalized(axis: 1)
            return try k.indexSelect(axis: 0, inverse)
        }
    }

    /// InfoNCE logits `[N, 1 + K]` for normalised queries and keys `[N, dim]`: the positive
    /// `q.k` first, then `q` against every queued key, all divided by `T`; with the means of
    /// the positive and negative cosine similarities.
    public func infoNCELogits(query q: Tensor, key k: Tensor) throws -> (
        logits: Tensor, positive: Float, negative: Float
    ) {
        guard let queue else { throw MoCoError("moco", "MoCo v3 has no queue; use v3Loss") }
        let pos = try (q * k).sum(axes: [1], keepdims: true)
        let neg = try q.matmul(queue.keys)
        let logits = try Tensor.concat([pos, neg], axis: 1) / temperature
        return (logits, try pos.mean().item(), try neg.mean().item())
    }

    /// The loss of one step on two views of a batch, without changing any state except
    /// the key encoder's EMA (done first, as in builder.py), the encoders' BN running
    /// statistics and the shuffle generator. Call `enqueue` with the returned keys once the
    /// loss is known to be finite. `keyPermutation` replaces the shuffle-BN permutation the
    /// model would draw (to replay another implementation's step); it needs `shuffleKeys` and
    /// a loss that is not symmetric.
    public func loss(_ viewQ: Tensor, _ viewK: Tensor, momentum m: Float, keyPermutation: [Int]? = nil) throws
        -> ContrastiveStep
    {
        guard viewQ.shape == viewK.shape else {
            throw MoCoError("moco", "views of shapes \(viewQ.shape) and \(viewK.shape) differ")
        }
        guard keyPermutation == nil || (shuffleKeys && !symmetric) else {
            throw MoCoError("moco", "a key permutation is for one shuffled key batch (not v3, not a symmetric loss)")
        }
        if !variant.usesQueue { return try v3Loss(viewQ, viewK, momentum: m) }
        try phases.time("EMA update") { try key.emaUpdate(from: query, momentum: m) }
        let (features, q) = try phases.time("query forward") {
            let features = try query.features(viewQ)
            return (features, try query.fc(features).l2Normalized(axis: 1))
        }
        let k = try phases.time("key forward") { try keys(viewK, permutation: keyPermutation) }
        let labels = [Int](repeating: 0, count: q.shape[0])
        var (logits, pos, neg, loss) = try phases.time("logits and loss") {
            let (logits, pos, neg) = try infoNCELogits(query: q, key: k)
            return (logits, pos, neg, try Tensor.crossEntropy(logits, labels: labels))
        }
        var enqueued = k
        if symmetric {
            let q2 = try query(viewK).l2Normalized(axis: 1)
            let k2 = try keys(viewQ)
            let (logits2, pos2, neg2) = try infoNCELogits(query: q2, key: k2)
            loss = try loss + Tensor.crossEntropy(logits2, labels: labels)
            logits = try Tensor.concat([logits, logits2])
            (pos, neg) = ((pos + pos2) / 2, (neg + neg2) / 2)
            enqueued = try Tensor.concat([k, k2])
        }
        let top1 = try logits.detached().argmax(axis: 1).scalars.filter { $0 == 0 }.count
        let metrics = StepMetrics(
            loss: try loss.item(), top1: Float(top1) / Float(logits.shape[0]), positive: pos, negative: neg,
            lr: 0, momentum: m, queueFill: 0)
        return ContrastiveStep(
            loss: loss, keys: enqueued, logits: logits.detached(), metrics: metrics, queryFeatures: features.detached())
    }

    /// moco-v3's `contrastive_loss`: logits `q k^T / T` (`[N, N]`, normalised rows), labels
    /// on the diagonal, cross-entropy times `2T`; with the top-1 and the mean positive
    /// (diagonal) and negative (off-diagonal) cosine similarities.
    public func v3ContrastiveLoss(query q: Tensor, key k: Tensor)
        throws -> (loss: Tensor, logits: Tensor, top1: Int, positive: Float, negative: Float)
    {
        let qn = try q.l2Normalized(axis: 1)
        let kn = try k.l2Normalized(axis: 1)
        let sim = try qn.matmul(kn.transposed())
        let n = q.shape[0]
        let logits = sim / temperature
        let loss = try Tensor.crossEntropy(logits, labels: Array(0..<n)) * (2 * temperature)
        let s = sim.scalars
        let diagonal = (0..<n).map { s[$0 * n + $0] }
        let positive = diagonal.reduce(0, +) / Float(n)
        let negative = n > 1 ? (s.reduce(0, +) - diagonal.reduce(0, +)) / Float(n * (n - 1)) : 0
        let top1 = try sim.detached().argmax(axis: 1).scalars.enumerated().filter { Int($0.element) == $0.offset }.count
        return (loss, logits, top1, positive, negative)
    }

    /// The v3 step: predictions of both views, EMA, keys of both views, symmetric loss.
    func v3Loss(_ x1: Tensor, _ x2: Tensor, momentum m: Float) throws -> ContrastiveStep {
        guard let predictor else { throw MoCoError("moco", "v3 needs a predictor") }
        let features = try query.features(x1)
        let q1 = try predictor(query.fc(features))
        let q2 = try predictor(query(x2))
        try key.emaUpdate(from: query, momentum: m)
        let (k1, k2) = try withoutGrad { (try key(x1), try key(x2)) }
        let a = try v3ContrastiveLoss(query: q1, key: k2)
        let b = try v3ContrastiveLoss(query: q2, key: k1)
        let loss = try a.loss + b.loss
        let metrics = StepMetrics(
            loss: try loss.item(), top1: Float(a.top1 + b.top1) / Float(2 * x1.shape[0]),
            positive: (a.positive + b.positive) / 2, negative: (a.negative + b.negative) / 2,
            lr: 0, momentum: m, queueFill: 0)
        return ContrastiveStep(
            loss: loss, keys: try Tensor.concat([k1, k2]),
            logits: try Tensor.concat([a.logits.detached(), b.logits.detached()]), metrics: metrics,
            queryFeatures: features.detached())
    }

    /// The contrastive logits of one batch without training (eval mode, no gradient, nothing changed): the
    /// positive `q.k+ / T` of each image and the negatives, `q` against every queued key (v1, v2) or against
    /// the other images' keys (v3, whose queries pass the predictor).
    public func contrastiveLogits(_ viewQ: Tensor, _ viewK: Tensor) throws -> (positive: Tensor, negative: Tensor) {
        try withoutGrad {
            try query.inEvalMode {
                try key.inEvalMode {
                    var q = try query(viewQ)
                    if let predictor { q = try predictor.inEvalMode { try predictor(q) } }
                    q = try q.l2Normalized(axis: 1)
                    let k = try key(viewK).l2Normalized(axis: 1)
                    let positive = try (q * k).sum(axes: [1]) / temperature
                    if variant.usesQueue, let queue { return (positive, try q.matmul(queue.keys) / temperature) }
                    let n = q.shape[0]
                    let all = try q.matmul(k.transposed()).scalars
                    let off = (0..<(n * n)).filter { $0 / n != $0 % n }.map { all[$0] / temperature }
                    return (positive, try Tensor(shape: [off.count], scalars: off))
                }
            }
        }
    }

    /// Adds a step's keys to the queue (nothing for v3).
    public func enqueue(_ keys: Tensor) throws {
        guard queue != nil else { return }
        try queue!.enqueue(keys)
    }

    /// Changes the queue size between training calls, keeping the newest keys.
    public func resizeQueue(to size: Int, using rng: inout RandomGenerator) throws {
        guard queue != nil else { throw MoCoError("moco", "MoCo v3 has no queue to resize") }
        try queue!.resize(to: size, using: &rng)
    }
}
