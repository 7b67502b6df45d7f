import Foundation
import Moco
import MocoData
import MocoTensor
import MocoTestSupport
import Testing

/// The label-free diagnostics against NumPy's formulas on fixed features.
@Suite("Diagnostics")
struct DiagnosticsTests {
    /// `[rows, columns]` with element `f(i, j)`, rounded to float32 as NumPy's reference was.
    func matrix(_ rows: Int, _ columns: Int, _ f: (Double, Double) -> Double) throws -> Tensor {
        try Tensor(
            shape: [rows, columns],
            scalars: (0..<rows).flatMap { i in (0..<columns).map { j in Float(f(Double(i), Double(j))) } })
    }

    @Test func eigenvaluesOfASymmetricMatrix() throws {
        let values = try Tensor(shape: [3, 3], scalars: [2, 1, 0, 1, 2, 0, 0, 0, 5]).symmetricEigenvalues()
        #expect(zip(values, [1.0, 3, 5]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(values)")
        #expect(throws: TensorError.self) {
            try Tensor(shape: [2, 3], scalars: [0, 0, 0, 0, 0, 0]).symmetricEigenvalues()
        }
    }

    @Test func rankMeMatchesNumPy() throws {
        // np.exp(-(p * np.log(p)).sum()) with p = s / s.sum() + 1e-7, s = np.linalg.svd(z, compute_uv=False).
        let full = try matrix(50, 8) { i, j in sin(i * i * 0.37 + j * j * 1.3 + i * j) }
        let expectedFull = 7.898027332034284
        #expect(abs(try RepresentationMetrics.rankMe(full) - expectedFull) < 1e-6)
        let rankTwo = try matrix(50, 8) { i, j in sin(i * 7 + j * 3) }
        #expect(abs(try RepresentationMetrics.rankMe(rankTwo) - 1.762196571413514) < 1e-6)
        // Wide features use the other Gram matrix: the singular values, and so RankMe, are those of the transpose.
        let wide = try matrix(8, 50) { j, i in sin(i * i * 0.37 + j * j * 1.3 + i * j) }
        #expect(abs(try RepresentationMetrics.rankMe(wide) - expectedFull) < 1e-6)
    }

    @Test func rankOfEvenlySpreadAndCollapsedFeatures() throws {
        // Rows cycle through 4 orthogonal directions: 4 equal singular values.
        let four = try matrix(64, 16) { i, j in Int(j) == Int(i) % 4 ? 1 : 0 }
        #expect(abs(try RepresentationMetrics.rankMe(four) - 4) < 1e-4)
        let collapsed = try matrix(64, 16) { _, j in j + 1 }.l2Normalized(axis: 1)
        #expect(abs(try RepresentationMetrics.rankMe(collapsed) - 1) < 1e-4)
        let (std, reference) = try RepresentationMetrics.featureStd(collapsed)
        #expect(std < 1e-6 && reference == 0.25)
    }

    /// The online classifier learns beside pre-training without changing it: the same run with and without it ends
    /// with the same weights, and it classifies the digits' views far above chance.
    @Test func theOnlineClassifierWatchesWithoutTouching() throws {
        try ThreadCountGuard.steady {
            let train = try Digits.load().train
            let plain = try Recipes.digitsW1(train: train, seed: 3, epochs: 3)
            try plain.train(epochs: 3)
            let watched = try Recipes.digitsW1(train: train, seed: 3, epochs: 3)
            var rng = RandomGenerator(seed: 1)
            let online = try OnlineClassifier(labels: train.labels, classes: 10, features: 128, using: &rng)
            try watched.train(epochs: 3, online: online)
            #expect(
                watched.model.query.stateDict().elementsEqual(plain.model.query.stateDict()) {
                    $0.name == $1.name && $0.tensor == $1.tensor
                })
            #expect(online.history.map(\.epoch) == [1, 2, 3])
            #expect(online.history.last!.accuracy > 0.3, "\(online.history)")
        }
    }
}
