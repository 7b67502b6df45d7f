import Foundation
import MocoTensor

/// The symmetric joint probabilities P of t-SNE as a sparse matrix (CSR): each point's
/// conditional distribution over its nearest neighbours is a Gaussian whose bandwidth is
/// found by binary search so that its perplexity matches the target; then
/// `P = (P_cond + P_condᵀ) / 2N`, which sums to 1.
public struct Affinities: Sendable {
    /// Row `i`'s entries are `columns[rowStart[i]..<rowStart[i + 1]]`, in increasing order.
    public let rowStart: [Int]
    public let columns: [Int32]
    public let values: [Double]
    public var count: Int { rowStart.count - 1 }

    /// Affinities over the `3 * perplexity + 1` nearest neighbours (all others when fewer).
    public init(points: [Float], count n: Int, dimension d: Int, perplexity: Double) {
        let k = min(n - 1, Int(3 * perplexity + 1))
        let neighbors = NearestNeighbors(points: points, count: n, dimension: d, k: k)
        self.init(neighbors: neighbors, count: n, perplexity: perplexity)
    }

    /// Affinities over given nearest neighbours (all `neighbors.k` of them).
    public init(neighbors: NearestNeighbors, count n: Int, perplexity: Double) {
        let k = neighbors.k
        var conditional = [Double](repeating: 0, count: n * k)
        conditional.withUnsafeMutableBufferPointer { out in
            neighbors.distances.withUnsafeBufferPointer { dist in
                let out = out
                Threads.parallelFor(n, minChunk: 64) { range in
                    for i in range {
                        Affinities.calibrate(
                            dist.baseAddress! + i * k, k, perplexity: perplexity, into: out.baseAddress! + i * k)
                    }
                }
            }
        }
        // Symmetrise: row i gathers its own neighbours and the points that have i as a neighbour.
        var incoming = [Int](repeating: 0, count: n + 1)
        for j in neighbors.indices { incoming[Int(j) + 1] += 1 }
        for i in 0..<n { incoming[i + 1] += incoming[i] }
        var reverseSource = [Int32](repeating: 0, count: n * k)
        var reverseValue = [Double](repeating: 0, count: n * k)
        var fill = incoming
        for i in 0..<n {
            for s in 0..<k {
                let j = Int(neighbors.indices[i * k + s])
                reverseSource[fill[j]] = Int32(i)
                reverseValue[fill[j]] = conditional[i * k + s]
                fill[j] += 1
            }
        }
        var rowStart = [0]
        var columns: [Int32] = []
        var values: [Double] = []
        columns.reserveCapacity(2 * n * k)
        values.reserveCapacity(2 * n * k)
        let scale = 1 / (2 * Double(n))
        var merged: [(Int32, Double)] = []
        for i in 0..<n {
            merged.removeAll(keepingCapacity: true)
            for s in 0..<k { merged.append((neighbors.indices[i * k + s], conditional[i * k + s])) }
            for r in incoming[i]..<incoming[i + 1] { merged.append((reverseSource[r], reverseValue[r])) }
            merged.sort { $0.0 < $1.0 }
            var m = 0
            while m < merged.count {
                var v = merged[m].1
                let c = merged[m].0
                m += 1
                while m < merged.count && merged[m].0 == c {
                    v += merged[m].1
                    m += 1
                }
                columns.append(c)
                values.append(v * scale)
            }
            rowStart.append(columns.count)
        }
        (self.rowStart, self.columns, self.values) = (rowStart, columns, values)
    }

    /// Conditional probabilities of one point's `k` neighbours at squared distances `d2`
    /// (nearest first) whose perplexity is `perplexity`: binary search on the precision
    /// beta of exp(-beta d²), to an entropy within 1e-5 nats, at most 200 steps.
    static func calibrate(
        _ d2: UnsafePointer<Float>, _ k: Int, perplexity: Double, into p: UnsafeMutablePointer<Double>
    ) {
        let target = log(perplexity)
        let nearest = Double(d2[0])
        var beta = 1.0
        var low = -Double.infinity
        var high = Double.infinity
        for _ in 0..<200 {
            var sum = 0.0
            var weighted = 0.0
            for j in 0..<k {
                let shifted = Double(d2[j]) - nearest  // shifting leaves P and the entropy unchanged
                let v = exp(-beta * shifted)
                p[j] = v
                sum += v
                weighted += shifted * v
            }
            let entropy = log(sum) + beta * weighted / sum
            for j in 0..<k { p[j] /= sum }
            let gap = entropy - target
            if abs(gap) <= 1e-5 { break }
            if gap > 0 {
                low = beta
                beta = high == .infinity ? beta * 2 : (beta + high) / 2
            } else {
                high = beta
                beta = low == -.infinity ? beta / 2 : (beta + low) / 2
            }
        }
    }
}
