import Foundation
import MocoTensor

/// t-distributed stochastic neighbour embedding (van der Maaten and Hinton, 2008) into two
/// dimensions, with the Barnes-Hut approximation (van der Maaten, 2014) and the optimisation
/// schedule of scikit-learn and openTSNE: PCA initialisation scaled to standard deviation
/// 1e-4, early exaggeration 12 for 250 iterations with momentum 0.5, then momentum 0.8,
/// learning rate `max(N / 12, 50)`, and the delta-bar-delta gains of the original code.
///
/// Deterministic: the result depends only on the data, the settings and the thread count.
public struct TSNE: Sendable {
    /// The effective number of neighbours each point's affinities spread over.
    public var perplexity: Double = 30
    /// Iterations in all, the exaggerated ones included.
    public var iterations = 1_000
    public var exaggerationIterations = 250
    public var exaggeration = 12.0
    /// `nil`: `max(N / 12, 50)`.
    public var learningRate: Double?
    /// The Barnes-Hut opening angle; 0 computes the repulsion exactly (O(N²) per iteration).
    public var theta = 0.5
    public var initialization: Initialization = .pca

    public enum Initialization: Sendable, Equatable {
        /// The first two principal components, scaled to standard deviation 1e-4.
        case pca
        /// Gaussian with standard deviation 1e-4 from the generator.
        case random(RandomGenerator)
    }

    public init() {}

    /// What `embed` returns.
    public struct Result: Sendable {
        /// `count` rows of (x, y).
        public let embedding: [Double]
        public let count: Int
        /// KL(P || Q) of the final embedding (Q normalised exactly up to 20,000 points, by
        /// Barnes-Hut beyond).
        public let divergence: Double
        /// KL(P || Q) every 50 iterations (of the unexaggerated P, Q normalised by Barnes-Hut).
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
        let rate = learningRate ?? max(Double(n) / 12, 50)
        return optimize(p, &y, count: n, rate: rate, progress: progress)
    }

    private func optimize(
        _ p: Affinities, _ y: inout [Double], count n: Int, rate: Double,
        progress: (Int) -> Bool
    ) -> Result {
        var update = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 1, count: 2 * n)
        var attract = [Double](repeating: 0, count: 2 * n)
        var repel = [Double](repeating: 0, count: 2 * n)
        var z = [Double](repeating: 0, count: n)
        var history: [(Int, Double)] = []
        for iteration in 0..<iterations {
            let early = iteration < exaggerationIterations
            if iteration == exaggerationIterations {
                for t in 0..<(2 * n) { (update[t], gains[t]) = (0, 1) }
            }
            let factor = early ? exaggeration : 1
            let momentum = early ? 0.5 : 0.8
            let total = Forces.terms(p, y, theta: theta, attract: &attract, repel: &repel, z: &z)
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
        let divergence = TSNE.divergence(p, at: y, theta: n <= 20_000 ? 0 : theta)
        return Result(embedding: y, count: n, divergence: divergence, history: history)
    }
}
