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

    /// How the repulsion is computed.
    enum Repulsion {
        /// O(N²), exactly.
        case exact
        /// A quadtree with opening angle `theta`.
        case barnesHut(theta: Double)
        /// FFT-accelerated interpolation (its grids and plans are kept between calls).
        case interpolation(Interpolation)
    }

    /// Both halves of the gradient at `y` into the buffers; returns the normaliser Z.
    static func terms(
        _ p: Affinities, _ y: [Double], repulsion: Repulsion,
        attract: inout [Double], repel: inout [Double], z: inout [Double]
    ) -> Double {
        let n = p.count
        y.withUnsafeBufferPointer { yb in
            attract.withUnsafeMutableBufferPointer { attraction(p, yb, into: $0) }
            repel.withUnsafeMutableBufferPointer { rb in
                z.withUnsafeMutableBufferPointer { zb in
                    switch repulsion {
                    case .exact: exactRepulsion(yb, count: n, force: rb, z: zb)
                    case .barnesHut(let theta):
                        QuadTree(yb, count: n, theta: theta).repulsion(yb, count: n, force: rb, z: zb)
                    case .interpolation(let grid): grid.repulsion(yb, count: n, force: rb, z: zb)
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
    /// exaggeration, its repulsion computed by `method` (Barnes-Hut with opening angle `theta`,
    /// exactly when `theta` is 0). For checks and diagnostics; `embed` computes the same terms in place.
    public static func gradient(
        _ p: Affinities, at y: [Double], method: Method = .barnesHut, theta: Double
    ) -> [Double] {
        var settings = TSNE()
        (settings.method, settings.theta) = (method, theta)
        return settings.gradient(p, at: y)
    }

    /// KL(P || Q) at the embedding `y`, with Q normalised exactly (`method` `.exact`, or
    /// Barnes-Hut with `theta` 0), by Barnes-Hut or by interpolation.
    public static func divergence(
        _ p: Affinities, at y: [Double], method: Method = .barnesHut, theta: Double = 0
    ) -> Double {
        var settings = TSNE()
        (settings.method, settings.theta) = (method, theta)
        return settings.divergence(p, at: y)
    }

    /// The gradient as `TSNE.gradient(_:at:method:theta:)`, with all of these settings.
    public func gradient(_ p: Affinities, at y: [Double]) -> [Double] {
        let n = p.count
        var attract = [Double](repeating: 0, count: 2 * n)
        var repel = attract
        var z = [Double](repeating: 0, count: n)
        let total = Forces.terms(p, y, repulsion: repulsion(count: n), attract: &attract, repel: &repel, z: &z)
        return (0..<(2 * n)).map { 4 * (attract[$0] - repel[$0] / total) }
    }

    /// KL(P || Q) at `y`, Q normalised as these settings compute the repulsion.
    public func divergence(_ p: Affinities, at y: [Double]) -> Double {
        TSNE.divergence(p, at: y, repulsion: repulsion(count: p.count))
    }

    static func divergence(_ p: Affinities, at y: [Double], repulsion: Forces.Repulsion) -> Double {
        let n = p.count
        var attract = [Double](repeating: 0, count: 2 * n)
        var repel = attract
        var z = [Double](repeating: 0, count: n)
        let total = Forces.terms(p, y, repulsion: repulsion, attract: &attract, repel: &repel, z: &z)
        return y.withUnsafeBufferPointer { Forces.divergence(p, $0, z: total) }
    }

    /// What `method` means for `n` points: `.automatic` is interpolation from
    /// `interpolationThreshold` points on, Barnes-Hut below; `theta` 0 asks for the exact sums, with
    /// Barnes-Hut or `.automatic`.
    func repulsion(count n: Int) -> Forces.Repulsion {
        switch method {
        case .exact: return .exact
        case .interpolation: return .interpolation(Interpolation(nodesPerBox: nodesPerBox, boxWidth: boxWidth))
        case .barnesHut: return theta == 0 ? .exact : .barnesHut(theta: theta)
        case .automatic:
            var resolved = self
            resolved.method = n >= TSNE.interpolationThreshold && theta != 0 ? .interpolation : .barnesHut
            return resolved.repulsion(count: n)
        }
    }
}
