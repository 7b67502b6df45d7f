import Foundation
import MocoTensor

/// t-distributed stochastic neighbour embedding (van der Maaten and Hinton, 2008) into two
/// dimensions, with the repulsion by the Barnes-Hut approximation (van der Maaten, 2014) or, for
/// large N, by FFT-accelerated interpolation (FIt-SNE, Linderman et al., 2019), and the optimisation
/// schedule of openTSNE: PCA initialisation scaled to standard deviation 1e-4, early
/// exaggeration 12 for 250 iterations with momentum 0.5, then momentum 0.8, the learning rate
/// N divided by the exaggeration in effect (Belkina et al., 2019: N / 12, then N; at least 50),
/// and the delta-bar-delta gains of the original code.
///
/// Deterministic: the result depends only on the data, the settings and the thread count.
public struct TSNE: Sendable {
    /// The effective number of neighbours each point's affinities spread over.
    public var perplexity: Double = 30
    /// Iterations in all, the exaggerated ones included.
    public var iterations = 1_000
    public var exaggerationIterations = 250
    public var exaggeration = 12.0
    /// One rate for both phases; `nil`: `max(N / exaggeration, 50)` while exaggerating, then
    /// `max(N, 50)` (openTSNE's `"auto"`).
    public var learningRate: Double?
    /// How the repulsion is computed; `.automatic` by default.
    public var method: Method = .automatic
    /// The Barnes-Hut opening angle; 0 computes the repulsion exactly (O(N²) per iteration).
    public var theta = 0.5
    /// Interpolation: nodes per box and side (openTSNE's `n_interpolation_points`).
    public var nodesPerBox = 3
    /// Interpolation: the widest box, in embedding units (openTSNE's `1 / ints_in_interval`); the
    /// grid has at least 50 boxes per side.
    public var boxWidth = 1.0
    public var initialization: Initialization = .pca

    public enum Initialization: Sendable, Equatable {
        /// The first two principal components, scaled to standard deviation 1e-4.
        case pca
        /// Gaussian with standard deviation 1e-4 from the generator.
        case random(RandomGenerator)
    }

    public init() {}

    /// How the repulsive half of the gradient is computed.
    public enum Method: Sendable, Equatable {
        /// Interpolation from `TSNE.interpolationThreshold` points on, Barnes-Hut below (exact sums
        /// when `theta` is 0, whatever the size).
        case automatic
        /// A quadtree with opening angle `theta` (exact when `theta` is 0), O(N log N).
        case barnesHut
        /// FFT-accelerated interpolation on a grid (FIt-SNE), O(N).
        case interpolation
        /// Every pair, O(N²).
        case exact
    }

    /// The size from which `.automatic` interpolates. `scripts/bench tsne --sizes crossover` on a
    /// 10-class mixture in 50-D, 2 cores: Barnes-Hut 2.4 / 5.2 / 13.6 / 28.6 s at 2,500 / 5,000 /
    /// 10,000 / 20,000 points, interpolation 6.3 / 7.6 / 9.9 / 16.2 s: they cross near 7,500.
    public static let interpolationThreshold = 7_500

    /// What `embed` returns.
    public struct Result: Sendable {
        /// `count` rows of (x, y).
        public let embedding: [Double]
        public let count: Int
        /// KL(P || Q) of the final embedding (Q normalised exactly up to 20,000 points, by
        /// the repulsion's own method beyond).
        public let divergence: Double
        /// KL(P || Q) every 50 iterations (of the unexaggerated P, Q normalised by the repulsion's method).
        public let history: [(iteration: Int, divergence: Double)]
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case tooFewPoints(Int)
        case badSetting(String)
        case notFinite
        public var description: String {
            switch self {
            case .tooFewPoints(let n): return "needs at least 4 points, got \(n)"
            case .badSetting(let s): return s
            case .notFinite: return "the data contain nan or inf"
            }
        }
    }

    /// Embeds `count` rows of `dimension` features (row-major). `progress(iteration)` is
    /// called every 50 iterations; returning false stops early.
    public func embed(
        _ points: [Float], count n: Int, dimension d: Int,
        progress: (Int) -> Bool = { _ in true }
    ) throws -> Result {
        guard n >= 4 else { throw Failure.tooFewPoints(n) }
        guard perplexity > 0, Double(n - 1) >= perplexity else {
            throw Failure.badSetting(
                "perplexity must be positive and below the number of points (\(n)), got \(perplexity)")
        }
        guard theta >= 0, iterations >= 1, exaggerationIterations >= 0, exaggeration > 0 else {
            throw Failure.badSetting("theta, iterations and exaggeration must be positive")
        }
        guard (1...10).contains(nodesPerBox), boxWidth > 0, boxWidth.isFinite else {
            throw Failure.badSetting("nodesPerBox must be 1 to 10 and boxWidth positive")
        }
        guard points.allSatisfy(\.isFinite) else { throw Failure.notFinite }
        let p = Affinities(points: points, count: n, dimension: d, perplexity: perplexity)
        var y: [Double]
        switch initialization {
        case .pca:
            y = PCA.project(points, count: n, dimension: d, components: 2)
            var mean = 0.0
            var sq = 0.0
            for i in 0..<n { mean += y[2 * i] }
            mean /= Double(n)
            for i in 0..<n { sq += (y[2 * i] - mean) * (y[2 * i] - mean) }
            let std = (sq / Double(n)).squareRoot()
            let scale = std > 0 ? 1e-4 / std : 1
            for t in 0..<(2 * n) { y[t] *= scale }
        case .random(var rng):
            y = (0..<(2 * n)).map { _ in rng.nextNormal() * 1e-4 }
        }
        return optimize(p, &y, count: n, progress: progress)
    }

    private func optimize(
        _ p: Affinities, _ y: inout [Double], count n: Int, progress: (Int) -> Bool
    ) -> Result {
        var update = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 1, count: 2 * n)
        var attract = [Double](repeating: 0, count: 2 * n)
        var repel = [Double](repeating: 0, count: 2 * n)
        var z = [Double](repeating: 0, count: n)
        var history: [(Int, Double)] = []
        let repulsion = repulsion(count: n)
        for iteration in 0..<iterations {
            let early = iteration < exaggerationIterations
            if iteration == exaggerationIterations {
                for t in 0..<(2 * n) { (update[t], gains[t]) = (0, 1) }
            }
            let factor = early ? exaggeration : 1
            let momentum = early ? 0.5 : 0.8
            let rate = learningRate ?? max(Double(n) / factor, 50)
            let total = Forces.terms(p, y, repulsion: repulsion, attract: &attract, repel: &repel, z: &z)
            for t in 0..<(2 * n) {
                let g = factor * attract[t] - repel[t] / total
                gains[t] = (update[t] * g < 0) ? gains[t] + 0.2 : max(gains[t] * 0.8, 0.01)
                update[t] = momentum * update[t] - rate * gains[t] * g
                y[t] += update[t]
            }
            if (iteration + 1) % 50 == 0 {
                let kl = y.withUnsafeBufferPointer { Forces.divergence(p, $0, z: total) }
                history.append((iteration + 1, kl))
                if !progress(iteration + 1) { break }
            }
        }
        let divergence = TSNE.divergence(p, at: y, repulsion: n <= 20_000 ? .exact : repulsion)
        return Result(embedding: y, count: n, divergence: divergence, history: history)
    }
}
