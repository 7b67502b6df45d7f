import Foundation
import MocoData
import MocoTSNE
import MocoTensor
import MocoTestSupport
import Testing

@Suite("t-SNE by FFT-accelerated interpolation")
struct InterpolationTests {
    /// The sparse affinities of 2,000 clustered points and an embedding spread over about 40
    /// units (so that the grid has more than the minimum 50 boxes in the second case).
    static func problem(spread: Double) -> (Affinities, [Double]) {
        let n = 2_000
        let p = Affinities(points: TSNETests.blobs(n, 10, clusters: 6), count: n, dimension: 10, perplexity: 30)
        var rng = RandomGenerator(seed: 4)
        let y = (0..<(2 * n)).map { t in rng.nextNormal() * spread + Double(t / 2 % 6) * spread }
        return (p, y)
    }

    static func relativeError(_ g: [Double], _ reference: [Double]) -> Double {
        let diff = zip(g, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        return (diff / reference.map { $0 * $0 }.reduce(0, +)).squareRoot()
    }

    @Test("the gradient matches the exact one: within 5% at openTSNE's grid, 1e-3 at boxes a quarter as wide")
    func gradientAgrees() throws {
        for spread in [0.5, 8.0] {
            let (p, y) = Self.problem(spread: spread)
            let exact = TSNE.gradient(p, at: y, method: .exact, theta: 0)
            var settings = TSNE()
            settings.method = .interpolation
            let coarse = Self.relativeError(settings.gradient(p, at: y), exact)
            settings.boxWidth = 0.25
            let fine = Self.relativeError(settings.gradient(p, at: y), exact)
            #expect(coarse < 0.05 && fine < 1e-3 && fine <= coarse, "spread \(spread): errors \(coarse), \(fine)")
        }
    }

    @Test("the normaliser, and so the KL divergence, matches the exact one within 0.2%, 1e-5 on the finer grid")
    func divergenceAgrees() throws {
        let (p, y) = Self.problem(spread: 8)
        let exact = TSNE.divergence(p, at: y, method: .exact)
        var settings = TSNE()
        settings.method = .interpolation
        let coarse = settings.divergence(p, at: y)
        settings.boxWidth = 0.25
        let fine = settings.divergence(p, at: y)
        #expect(abs(coarse - exact) / exact < 2e-3, "KL \(coarse) vs exact \(exact)")
        #expect(abs(fine - exact) / exact < 1e-5, "KL \(fine) vs exact \(exact)")
    }

    @Test("automatic is Barnes-Hut below the threshold, interpolation from it, exact with theta 0")
    func automatic() throws {
        let (p, y) = Self.problem(spread: 8)
        var settings = TSNE()
        settings.method = .barnesHut
        let barnesHut = settings.gradient(p, at: y)
        settings.method = .automatic
        #expect(settings.gradient(p, at: y) == barnesHut)
        #expect(TSNE.interpolationThreshold > 2_000)
        // From the threshold on: interpolation; theta 0 asks for the exact sums, with .automatic too.
        let n = TSNE.interpolationThreshold
        let large = Affinities(points: TSNETests.blobs(n, 5, clusters: 4), count: n, dimension: 5, perplexity: 10)
        var rng = RandomGenerator(seed: 6)
        let z = (0..<(2 * n)).map { _ in rng.nextNormal() * 10 }
        #expect(settings.gradient(large, at: z) == TSNE.gradient(large, at: z, method: .interpolation, theta: 0.5))
        settings.theta = 0
        #expect(settings.gradient(large, at: z) == TSNE.gradient(large, at: z, method: .exact, theta: 0))
    }

    @Test("an embedding by interpolation is as good as Barnes-Hut's, and repeats bit for bit")
    func embedding() throws {
        let n = 3_000
        let x = TSNETests.blobs(n, 20, clusters: 8)
        var settings = TSNE()
        settings.iterations = 500
        settings.exaggerationIterations = 125
        settings.method = .barnesHut
        let barnesHut = try settings.embed(x, count: n, dimension: 20)
        settings.method = .interpolation
        let (a, b) = try ThreadCountGuard.steady {
            (try settings.embed(x, count: n, dimension: 20), try settings.embed(x, count: n, dimension: 20))
        }
        #expect(a.embedding.map(\.bitPattern) == b.embedding.map(\.bitPattern))
        #expect(
            abs(a.divergence - barnesHut.divergence) / barnesHut.divergence < 0.02,
            "KL \(a.divergence) vs Barnes-Hut's \(barnesHut.divergence)")
        let labels = (0..<n).map { $0 % 8 }
        #expect(EmbeddingQuality.knnAccuracy(embedding: a.embedding, labels: labels, k: 10) > 0.99)
    }
}

@Suite("t-SNE helpers at scale")
struct TSNEHelperTests {
    @Test("PCA.reduce finds the planted axes, largest variance first, and agrees with the 2-D projection")
    func pcaReduce() throws {
        // Variances 25, 9 and 1 along three orthonormal directions of R^6, plus tiny noise.
        let n = 2_000
        var rng = RandomGenerator(seed: 3)
        let s = 1 / 3.0.squareRoot()
        let axes: [[Double]] = [[s, s, s, 0, 0, 0], [0, 0, 0, 0.6, 0.8, 0], [s, -s, 0, 0, 0, s]]
        let scales = [5.0, 3.0, 1.0]
        var x = [Float](repeating: 0, count: n * 6)
        for i in 0..<n {
            let c = scales.map { $0 * rng.nextNormal() }
            for d in 0..<6 {
                x[i * 6 + d] = Float(2 + (0..<3).reduce(0.0) { $0 + c[$1] * axes[$1][d] } + 1e-3 * rng.nextNormal())
            }
        }
        let reduced = try PCA.reduce(x, count: n, dimension: 6, components: 3)
        #expect(reduced.count == n * 3)
        var variance = [Double](repeating: 0, count: 3)
        for i in 0..<n { for k in 0..<3 { variance[k] += Double(reduced[i * 3 + k] * reduced[i * 3 + k]) / Double(n) } }
        #expect(variance[0] > variance[1] && variance[1] > variance[2])
        #expect(abs(variance[0] - 25) < 2.5 && abs(variance[1] - 9) < 1 && abs(variance[2] - 1) < 0.15, "\(variance)")
        #expect(throws: TSNE.Failure.self) { try PCA.reduce(x, count: n, dimension: 6, components: 7) }
    }

    @Test("trustworthiness by blocked GEMM equals the definition computed pair by pair, to a few near-ties")
    func trustworthiness() throws {
        let n = 300
        let d = 5
        let x = TSNETests.blobs(n, d, clusters: 3)
        var rng = RandomGenerator(seed: 8)
        let y = (0..<(2 * n)).map { t in Double(x[(t / 2) * d + t % 2]) + rng.nextNormal() }
        let k = 7
        // scikit-learn's definition, directly.
        let embedded = NearestNeighbors(points: y.map(Float.init), count: n, dimension: 2, k: k)
        var penalty = 0.0
        for i in 0..<n {
            let dist = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + pow(Double(x[i * d + $1] - x[j * d + $1]), 2) } }
            for s in 0..<k {
                let j = Int(embedded.indices[i * k + s])
                let rank =
                    1 + (0..<n).filter { $0 != i && (dist[$0] < dist[j] || (dist[$0] == dist[j] && $0 < j)) }.count
                penalty += Double(max(0, rank - k))
            }
        }
        let expected = 1 - 2 / (Double(n * k) * Double(2 * n - 3 * k - 1)) * penalty
        let measured = EmbeddingQuality.trustworthiness(original: x, dimension: d, embedding: y, count: n, k: k)
        // One rank step is 2 / (n k (2n - 3k - 1)) = 1.6e-6 here: float distances may order a near-tie
        // differently from double ones, a step or two at most.
        #expect(abs(measured - expected) < 5e-6, "\(measured) vs \(expected)")
        #expect(expected < 0.999)
    }
}
