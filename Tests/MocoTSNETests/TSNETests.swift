import Foundation
import MocoData
import MocoTSNE
import MocoTensor
import MocoTestSupport
import Testing

@Suite("t-SNE")
struct TSNETests {
    /// `n` points in `d` dimensions around `clusters` centres, from a fixed seed.
    static func blobs(_ n: Int, _ d: Int, clusters: Int, seed: UInt64 = 1) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        let centres = (0..<(clusters * d)).map { _ in Float(rng.nextNormal() * 4) }
        return (0..<(n * d)).map { t in centres[(t / d % clusters) * d + t % d] + Float(rng.nextNormal()) }
    }

    @Test("on the raw digits: KL within 5% of scikit-learn's 0.753, 10-NN accuracy >= 0.97, trustworthiness >= 0.98")
    func digits() throws {
        let all = try Digits.loadAll()
        let x = all.images.scalars
        let result = try TSNE().embed(x, count: all.count, dimension: 64)
        #expect(abs(result.divergence - 0.753) / 0.753 < 0.05, "KL \(result.divergence)")
        let accuracy = EmbeddingQuality.knnAccuracy(embedding: result.embedding, labels: all.labels, k: 10)
        #expect(accuracy >= 0.97, "10-NN accuracy \(accuracy)")
        let trust = EmbeddingQuality.trustworthiness(
            original: x, dimension: 64, embedding: result.embedding, count: all.count, k: 10)
        #expect(trust >= 0.98, "trustworthiness \(trust)")
        #expect(result.history.count == 20 && result.history.last!.iteration == 1_000)
    }

    @Test("the analytic gradient matches central differences of the KL divergence")
    func gradientCheck() throws {
        let n = 12
        let p = Affinities(points: Self.blobs(n, 5, clusters: 3), count: n, dimension: 5, perplexity: 3)
        var rng = RandomGenerator(seed: 5)
        let y = (0..<(2 * n)).map { _ in rng.nextNormal() }
        let analytic = TSNE.gradient(p, at: y, theta: 0)
        let h = 1e-6
        for t in 0..<(2 * n) {
            var plus = y
            var minus = y
            plus[t] += h
            minus[t] -= h
            let numeric = (TSNE.divergence(p, at: plus) - TSNE.divergence(p, at: minus)) / (2 * h)
            #expect(
                abs(numeric - analytic[t]) <= 1e-6 + 1e-4 * abs(numeric),
                "coordinate \(t): \(numeric) vs \(analytic[t])")
        }
    }

    @Test("Barnes-Hut and exact gradients agree: closely at theta 0.5, to rounding as theta goes to 0")
    func barnesHutAgrees() throws {
        let n = 300
        let p = Affinities(points: Self.blobs(n, 10, clusters: 4), count: n, dimension: 10, perplexity: 20)
        var rng = RandomGenerator(seed: 9)
        let y = (0..<(2 * n)).map { _ in rng.nextNormal() * 5 }
        let exact = TSNE.gradient(p, at: y, theta: 0)
        func relativeError(_ g: [Double]) -> Double {
            let diff = zip(g, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            return (diff / exact.map { $0 * $0 }.reduce(0, +)).squareRoot()
        }
        #expect(relativeError(TSNE.gradient(p, at: y, theta: 0.5)) < 0.05)
        #expect(relativeError(TSNE.gradient(p, at: y, theta: 1e-6)) < 1e-10)
    }

    @Test("affinities are symmetric, positive and sum to 1")
    func affinities() throws {
        let n = 200
        let p = Affinities(points: Self.blobs(n, 8, clusters: 5), count: n, dimension: 8, perplexity: 10)
        #expect(abs(p.values.reduce(0, +) - 1) < 1e-9)
        var entries: [Int: Double] = [:]
        for i in 0..<n {
            for e in p.rowStart[i]..<p.rowStart[i + 1] { entries[i * n + Int(p.columns[e])] = p.values[e] }
        }
        for (key, v) in entries {
            #expect(v > 0)
            #expect(abs((entries[(key % n) * n + key / n] ?? -1) - v) < 1e-15)
        }
    }

    @Test("the same data and thread count give the same embedding bit for bit")
    func deterministic() throws {
        let x = Self.blobs(400, 6, clusters: 4)
        var settings = TSNE()
        settings.iterations = 300
        let (a, b) = try ThreadCountGuard.steady {
            (try settings.embed(x, count: 400, dimension: 6), try settings.embed(x, count: 400, dimension: 6))
        }
        #expect(a.embedding.map(\.bitPattern) == b.embedding.map(\.bitPattern))
        #expect(a.divergence.bitPattern == b.divergence.bitPattern)
    }

    @Test("bad input is refused with a reason")
    func refusals() {
        #expect(throws: TSNE.Failure.tooFewPoints(3)) { try TSNE().embed([0, 1, 2], count: 3, dimension: 1) }
        #expect(throws: TSNE.Failure.self) { try TSNE().embed(Self.blobs(20, 2, clusters: 2), count: 20, dimension: 2) }
        var x = Self.blobs(50, 2, clusters: 2)
        x[7] = .nan
        var settings = TSNE()
        settings.perplexity = 5
        #expect(throws: TSNE.Failure.notFinite) { try settings.embed(x, count: 50, dimension: 2) }
    }
}
