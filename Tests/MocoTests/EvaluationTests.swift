import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor
import Testing

@Suite("Evaluation")
struct EvaluationTests {
    @Test func knnVotesWithWeights() throws {
        // Bank: two points of class 0 near (1, 0), one of class 1 at (0, 1).
        let bank = try Tensor(shape: [3, 2], scalars: [1, 0, 0.995, 0.0998, 0, 1]).l2Normalized(axis: 1)
        let queries = try Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.1, 0.9]).l2Normalized(axis: 1)
        let knn = try KNNClassifier(k: 2, t: 0.1)
        #expect(try knn.predict(queries, bank: bank, labels: [0, 0, 1], classes: 2) == [0, 1])
        #expect(throws: MoCoError.self) { try KNNClassifier(k: 0) }
    }

    /// The k most similar bank rows vote, ties going to the lower bank index and negative
    /// similarities ranked below positive ones; 64 queries (split over threads) give what a
    /// plain comparison sort of each row gives, for k from 1 to more than the bank.
    @Test func knnNeighboursAndTies() throws {
        let twins = try Tensor(shape: [2, 2], scalars: [1, 0, 1, 0])
        let q = try Tensor(shape: [1, 2], scalars: [1, 0])
        let nearest = try KNNClassifier(k: 1, t: 0.1)
        #expect(try nearest.predict(q, bank: twins, labels: [1, 0], classes: 2) == [1])
        #expect(try nearest.predict(q, bank: twins, labels: [0, 1], classes: 2) == [0])
        let opposite = try Tensor(shape: [2, 2], scalars: [-1, 0, -0.6, -0.8])
        #expect(try nearest.predict(q, bank: opposite, labels: [0, 1], classes: 2) == [1])

        var rng = RandomGenerator(seed: 7)
        let (n, m, classes) = (300, 64, 5)
        let bank = try Tensor.randn([n, 8], using: &rng).l2Normalized(axis: 1)
        let queries = try Tensor.randn([m, 8], using: &rng).l2Normalized(axis: 1)
        let labels = (0..<n).map { $0 % classes }
        let sim = try queries.matmul(bank.transposed()).scalars
        for k in [1, 7, 200, 299, 300, 500] {
            let expected = (0..<m).map { row -> Int in
                let s = Array(sim[(row * n)..<((row + 1) * n)])
                let top = (0..<n).sorted { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }.prefix(k)
                var scores = [Float](repeating: 0, count: classes)
                for j in top { scores[labels[j]] += exp(s[j] / 0.1) }
                return scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
            }
            #expect(
                try KNNClassifier(k: k, t: 0.1).predict(queries, bank: bank, labels: labels, classes: classes)
                    == expected, "k \(k)")
        }
    }

    @Test func knnOnBackboneOrHeadFeatures() throws {
        let (train, test) = try Digits.load()
        let model = try smallMoCo(dim: 8)
        let knn = try KNNClassifier(k: 20, t: 0.1)
        let backbone = try knnAccuracy(model.query, train: train, test: test, classifier: knn)
        let head = try knnAccuracy(model.query, train: train, test: test, classifier: knn, source: .head)
        #expect(backbone > 0.5 && head > 0.3 && backbone != head)
        #expect(try normalizedFeatures(model.query, test.images, source: .head).shape == [450, 8])
        #expect(model.query.isTraining)
    }

    @Test func linearProbeOnRawDigitPixels() throws {
        // A linear classifier on the raw 64 pixels of the digits reaches well above 90%.
        let (train, test) = try Digits.load()
        let acc = try LinearProbe(epochs: 30).accuracy(
            trainFeatures: train.images.flattened(), trainLabels: train.labels,
            testFeatures: test.images.flattened(), testLabels: test.labels, classes: 10)
        #expect(acc >= 0.93, "probe accuracy \(acc)")
    }

    @Test func alignmentUniformityAndCollapse() throws {
        var rng = RandomGenerator(seed: 1)
        let f = try Tensor.randn([200, 16], using: &rng).l2Normalized(axis: 1)
        #expect(try RepresentationMetrics.alignment(f, f) == 0)
        let antipodal = -f
        #expect(abs(try RepresentationMetrics.alignment(f, antipodal) - 4) < 1e-4)
        // Uniform features on the sphere: uniformity near its minimum; collapsed: 0 (the maximum).
        let spread = try RepresentationMetrics.uniformity(f)
        let collapsed = try RepresentationMetrics.uniformity(Tensor.ones([50, 16]).l2Normalized(axis: 1))
        #expect(spread < -3 && abs(collapsed) < 1e-5)
        let (std, reference) = try RepresentationMetrics.featureStd(f)
        #expect(abs(std - reference) < 0.03 && reference == 0.25)
        #expect(try RepresentationMetrics.featureStd(Tensor.ones([50, 16]).l2Normalized(axis: 1)).std < 1e-6)
    }
}
