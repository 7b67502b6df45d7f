import Foundation
import MocoTensor

/// The two halves of t-SNE's gradient with respect to the embedding, and its objective.
/// With `w_ij = 1 / (1 + |y_i - y_j|²)` and `Z = Σ_{k≠l} w_kl`, the gradient of
/// KL(P || Q) with `q_ij = w_ij / Z` is `4 (Σ_j p_ij w_ij (y_i - y_j) - Σ_j w_ij² (y_i - y_j) / Z)`;
/// like openTSNE we leave out the constant 4 (the learning rate absorbs it).
enum Forces {
    /// `Σ_j p_ij w_ij (y_i - y_j)` over the sparse P, in parallel over rows.
    static func attraction(
        _ p: Affinities, _ y: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>
    ) {
        p.rowStart.withUnsafeBufferPointer { start in
            p.columns.withUnsafeBufferPointer { cols in
                p.values.withUnsafeBufferPointer { vals in
                    Threads.parallelFor(p.count, minChunk: 256) { range in
                        for i in range {
                            let yx = y[2 * i]
                            let yy = y[2 * i + 1]
                            var fx = 0.0
                            var fy = 0.0
                            for e in start[i]..<start[i + 1] {
                                let j = Int(cols[e])
                                let dx = yx - y[2 * j]
                                let dy = yy - y[2 * j + 1]
                                let pw = vals[e] / (1 + dx * dx + dy * dy)
                                fx += pw * dx
                                fy += pw * dy
                            }
                            out[2 * i] = fx
                            out[2 * i + 1] = fy
                        }
                    }
                }
            }
        }
    }

    /// Exact repulsion, O(N²): the same sums as `QuadTree.repulsion` with theta 0.
    static func exactRepulsion(
        _ y: UnsafeBufferPointer<Double>, count n: Int,
        force: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>
    ) {
        Threads.parallelFor(n, minChunk: 64) { range in
            for i in range {
                let yx = y[2 * i]
                let yy = y[2 * i + 1]
                var fx = 0.0
                var fy = 0.0
                var zi = 0.0
                for j in 0..<n where j != i {
                    let dx = yx - y[2 * j]
                    let dy = yy - y[2 * j + 1]
                    let w = 1 / (1 + dx * dx + dy * dy)
                    zi += w
                    fx += w * w * dx
                    fy += w * w * dy
                }
                force[2 * i] = fx
                force[2 * i + 1] = fy
                z[i] = zi
            }
        }
    }

    /// Both halves of the gradient at `y` into the buffers (repulsion by Barnes-Hut with
    /// opening angle `theta`, exactly when 0); returns the normaliser Z.
    static func terms(
        _ p: Affinities, _ y: [Double], theta: Double,
        attract: inout [Double], repel: inout [Double], z: inout [Double]
    ) -> Double {
        let n = p.count
        y.withUnsafeBufferPointer { yb in
            attract.withUnsafeMutableBufferPointer { attraction(p, yb, into: $0) }
            repel.withUnsafeMutableBufferPointer { rb in
                z.withUnsafeMutableBufferPointer { zb in
                    if theta == 0 {
                        exactRepulsion(yb, count: n, force: rb, z: zb)
                    } else {
                        QuadTree(yb, count: n, theta: theta).repulsion(yb, count: n, force: rb, z: zb)
                    }
                }
            }
        }
        return z.reduce(0, +)
    }

    /// KL(P || Q) = Σ p_ij log(p_ij / q_ij) over the non-zero p_ij, with `z` the normaliser.
    static func divergence(_ p: Affinities, _ y: UnsafeBufferPointer<Double>, z: Double) -> Double {
        var total = 0.0
        for i in 0..<p.count {
            for e in p.rowStart[i]..<p.rowStart[i + 1] where p.values[e] > 0 {
                let j = Int(p.columns[e])
                let dx = y[2 * i] - y[2 * j]
                let dy = y[2 * i + 1] - y[2 * j + 1]
                let q = 1 / (1 + dx * dx + dy * dy) / z
                total += p.values[e] * log(p.values[e] / max(q, .leastNormalMagnitude))
            }
        }
        return total
    }
}

extension TSNE {
    /// The gradient of KL(P || Q) at the embedding `y` (`count` rows of x, y) without
    /// exaggeration: Barnes-Hut repulsion with opening angle `theta` (0: exact). For checks and
    /// diagnostics; `embed` computes the same terms in place.
    public static func gradient(_ p: Affinities, at y: [Double], theta: Double) -> [Double] {
        let n = p.count
        var attract = [Double](repeating: 0, count: 2 * n)
        var repel = attract
        var z = [Double](repeating: 0, count: n)
        let total = Forces.terms(p, y, theta: theta, attract: &attract, repel: &repel, z: &z)
        return (0..<(2 * n)).map { 4 * (attract[$0] - repel[$0] / total) }
    }

    /// KL(P || Q) at the embedding `y`, with Q normalised exactly (theta 0) or by Barnes-Hut.
    public static func divergence(_ p: Affinities, at y: [Double], theta: Double = 0) -> Double {
        let n = p.count
        var attract = [Double](repeating: 0, count: 2 * n)
        var repel = attract
        var z = [Double](repeating: 0, count: n)
        let total = Forces.terms(p, y, theta: theta, attract: &attract, repel: &repel, z: &z)
        return y.withUnsafeBufferPointer { Forces.divergence(p, $0, z: total) }
    }
}
