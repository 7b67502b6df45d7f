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
        guard k > 0, t > 0 else { throw TensorError("knn", "k and t must be positive, got \(k) and \(t)") }
        (self.k, self.t) = (k, t)
    }

    /// Predicted classes of `queries` (`[M, d]`, normalised) against `bank` (`[N, d]`,
    /// normalised) with `labels` (N of them) among `classes` classes.
    public func predict(_ queries: Tensor, bank: Tensor, labels: [Int], classes: Int) throws -> [Int] {
        guard bank.rank == 2, queries.rank == 2, bank.shape[1] == queries.shape[1], labels.count == bank.shape[0] else {
            throw TensorError("knn", "queries \(queries.shape), bank \(bank.shape) and \(labels.count) labels do not fit")
        }
        let sim = try queries.matmul(bank.transposed())
        let n = bank.shape[0], kk = min(k, n)
        let s = sim.scalars
        var out = [Int](repeating: 0, count: queries.shape[0])
        for row in 0..<queries.shape[0] {
            let base = row * n
            // The kk most similar, most similar first (ties: lower index first).
            let top = (0..<n).sorted { s[base + $0] != s[base + $1] ? s[base + $0] > s[base + $1] : $0 < $1 }.prefix(kk)
            var scores = [Float](repeating: 0, count: classes)
            for j in top { scores[labels[j]] += Foundation.exp(s[base + j] / t) }
            out[row] = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) } ?? 0
        }
        return out
    }

    /// Top-1 accuracy of `test` against the bank `train`, both as normalised features.
    public func accuracy(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int], classes: Int) throws -> Double {
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
public func normalizedFeatures(_ encoder: any Encoder, _ images: Tensor, source: FeatureSource = .backbone, batch: Int = 512) throws -> Tensor {
    try withoutGrad {
        var f = try backboneFeatures(encoder, images, batch: batch)
        if source == .head {
            let wasTraining = encoder.isTraining
            encoder.eval()
            defer { encoder.train(wasTraining) }
            f = try encoder.fc(f)
        }
        return try f.l2Normalized(axis: 1)
    }
}

/// kNN accuracy of an encoder's features (backbone by default): the bank is `train` without
/// augmentation, the queries `test`.
public func knnAccuracy(_ encoder: any Encoder, train: LabeledImages, test: LabeledImages, classifier: KNNClassifier,
                        source: FeatureSource = .backbone) throws -> Double {
    try classifier.accuracy(train: normalizedFeatures(encoder, train.images, source: source), trainLabels: train.labels,
                            test: normalizedFeatures(encoder, test.images, source: source), testLabels: test.labels,
                            classes: train.classes.count)
}
