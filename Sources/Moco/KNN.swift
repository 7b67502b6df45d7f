import Foundation
import MocoData
import MocoNN
import MocoTensor

/// Weighted k-nearest-neighbour classification on L2-normalised features (InstDisc's
/// voting, as the MoCo CIFAR-10 demo's `knn_predict`): each of the `k` most similar bank
/// features votes for its class with weight `exp(similarity / t)`.
public struct KNNClassifier {
    public let k: Int
    public let t: Float

    public init(k: Int = 200, t: Float = 0.1) throws {
        guard k > 0, t > 0 else { throw MoCoError("knn", "k and t must be positive, got \(k) and \(t)") }
        (self.k, self.t) = (k, t)
    }

    /// Predicted classes of `queries` (`[M, d]`, normalised) against `bank` (`[N, d]`,
    /// normalised) with `labels` (N of them) among `classes` classes.
    public func predict(_ queries: Tensor, bank: Tensor, labels: [Int], classes: Int) throws -> [Int] {
        guard bank.rank == 2, queries.rank == 2, bank.shape[1] == queries.shape[1], labels.count == bank.shape[0] else {
            throw MoCoError("knn", "queries \(queries.shape), bank \(bank.shape) and \(labels.count) labels do not fit")
        }
        let sim = try queries.matmul(bank.transposed())
        let n = bank.shape[0]
        let kk = min(k, n)
        let m = queries.shape[0]
        let s = sim.scalars
        var out = [Int](repeating: 0, count: m)
        out.withUnsafeMutableBufferPointer { result in
            let predictions = result.baseAddress!
            Threads.parallelFor(m, minChunk: 8) { rows in
                var keys = [UInt64](repeating: 0, count: n)
                for row in rows {
                    let base = row * n
                    for j in 0..<n { keys[j] = Self.rankKey(similarity: s[base + j], index: j) }
                    Self.moveSmallest(kk, of: &keys)
                    keys[..<kk].sort()
                    // The kk most similar, most similar first (ties: lower index first).
                    var scores = [Float](repeating: 0, count: classes)
                    for key in keys[..<kk] {
                        let j = Int(key & 0xFFFF_FFFF)
                        scores[labels[j]] += Foundation.exp(s[base + j] / t)
                    }
                    predictions[row] =
                        scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) } ?? 0
                }
            }
        }
        return out
    }

    /// Reorders `keys` (distinct) so that its first `k` elements are the `k` smallest, in no
    /// particular order: quickselect with the median of three as pivot, O(n) expected.
    static func moveSmallest(_ k: Int, of keys: inout [UInt64]) {
        var lo = 0
        var hi = keys.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let pivot = Swift.max(Swift.min(keys[lo], keys[mid]), Swift.min(Swift.max(keys[lo], keys[mid]), keys[hi]))
            var i = lo
            var j = hi
            while i <= j {
                while keys[i] < pivot { i += 1 }
                while keys[j] > pivot { j -= 1 }
                if i <= j {
                    keys.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // keys[lo...j] <= pivot <= keys[i...hi]; the k-th smallest lies in one side.
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { return }
        }
    }

    /// A key whose ascending order is descending similarity, then ascending index: the
    /// similarity's bits made order-preserving and inverted above, the index below. (So
    /// the neighbours come from one integer sort, without a comparison closure.)
    static func rankKey(similarity: Float, index: Int) -> UInt64 {
        let bits = (similarity == 0 ? 0 : similarity).bitPattern  // -0 ranks as +0
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(~ordered) << 32 | UInt64(UInt32(truncatingIfNeeded: index))
    }

    /// Top-1 accuracy of `test` against the bank `train`, both as normalised features.
    public func accuracy(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int], classes: Int) throws
        -> Double
    {
        let p = try predict(test, bank: train, labels: trainLabels, classes: classes)
        return Double(zip(p, testLabels).filter { $0 == $1 }.count) / Double(max(testLabels.count, 1))
    }
}

/// Which features a kNN monitor compares: the pooled backbone, or the head's output.
public enum FeatureSource: Sendable {
    case backbone, head
}

/// L2-normalised features of `images` (see `backboneFeatures`), from the backbone or after
/// the head (`fc`), as the CIFAR-10 MoCo demo's monitor offers both.
public func normalizedFeatures(
    _ encoder: any Encoder, _ images: Tensor, source: FeatureSource = .backbone, batch: Int = 512,
    cancel: () -> Bool = { false }
) throws -> Tensor {
    try withoutGrad {
        var f = try backboneFeatures(encoder, images, batch: batch, cancel: cancel)
        if source == .head { f = try encoder.inEvalMode { try encoder.fc(f) } }
        return try f.l2Normalized(axis: 1)
    }
}

/// kNN accuracy of an encoder's features (backbone by default): the bank is `train` without
/// augmentation, the queries `test`. `cancel` is asked before each feature batch
/// (`EvaluationInterrupted` when it returns true).
public func knnAccuracy(
    _ encoder: any Encoder, train: LabeledImages, test: LabeledImages, classifier: KNNClassifier,
    source: FeatureSource = .backbone, cancel: () -> Bool = { false }
) throws -> Double {
    let bank = try normalizedFeatures(encoder, train.images, source: source, cancel: cancel)
    let queries = try normalizedFeatures(encoder, test.images, source: source, cancel: cancel)
    if cancel() { throw EvaluationInterrupted() }
    return try classifier.accuracy(
        train: bank, trainLabels: train.labels, test: queries, testLabels: test.labels,
        classes: train.classes.count)
}

/// A kNN monitor for training: after each epoch, the accuracy of `test` against the bank
/// `train` (unaugmented), on the backbone's or the head's features.
public struct KNNMonitor {
    public let train: LabeledImages
    public let test: LabeledImages
    public let classifier: KNNClassifier
    public let source: FeatureSource

    public init(train: LabeledImages, test: LabeledImages, classifier: KNNClassifier, source: FeatureSource = .backbone)
    {
        (self.train, self.test, self.classifier, self.source) = (train, test, classifier, source)
    }

    /// The accuracy of `encoder` now.
    public func accuracy(_ encoder: any Encoder) throws -> Double {
        try knnAccuracy(encoder, train: train, test: test, classifier: classifier, source: source)
    }
}
