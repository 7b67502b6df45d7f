import Foundation

/// The leading principal components of row-major data, by orthogonal (subspace) iteration
/// on the covariance matrix: enough for t-SNE's initial layout and deterministic.
enum PCA {
    /// The projection of the `n x d` rows onto their first `components` principal axes, each
    /// axis signed so that its largest-magnitude coefficient is positive.
    static func project(_ x: [Float], count n: Int, dimension d: Int, components: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(x[i * d + c]) } }
        for c in 0..<d { mean[c] /= Double(n) }
        var cov = [Double](repeating: 0, count: d * d)
        var row = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for c in 0..<d { row[c] = Double(x[i * d + c]) - mean[c] }
            for a in 0..<d where row[a] != 0 {
                let ra = row[a]
                for b in a..<d { cov[a * d + b] += ra * row[b] }
            }
        }
        for a in 0..<d { for b in 0..<a { cov[a * d + b] = cov[b * d + a] } }

        // Orthogonal iteration: V <- orth(C V), from a fixed start.
        let m = min(components, d)
        var v = [Double](repeating: 0, count: d * m)
        for c in 0..<d { for k in 0..<m { v[c * m + k] = 1 / Double(1 + (c * 7 + k * 13) % 17) } }
        var next = v
        for _ in 0..<2_000 {
            for a in 0..<d {
                for k in 0..<m {
                    var s = 0.0
                    for b in 0..<d { s += cov[a * d + b] * v[b * m + k] }
                    next[a * m + k] = s
                }
            }
            // Gram-Schmidt on the columns.
            for k in 0..<m {
                for j in 0..<k {
                    var dot = 0.0
                    for a in 0..<d { dot += next[a * m + k] * next[a * m + j] }
                    for a in 0..<d { next[a * m + k] -= dot * next[a * m + j] }
                }
                var norm = 0.0
                for a in 0..<d { norm += next[a * m + k] * next[a * m + k] }
                norm = norm.squareRoot()
                for a in 0..<d { next[a * m + k] = norm > 0 ? next[a * m + k] / norm : (a == k ? 1 : 0) }
            }
            var change = 0.0
            for t in 0..<(d * m) { change = max(change, abs(abs(next[t]) - abs(v[t]))) }
            swap(&v, &next)
            if change < 1e-12 { break }
        }
        for k in 0..<m {
            var largest = 0.0
            for a in 0..<d where abs(v[a * m + k]) > abs(largest) { largest = v[a * m + k] }
            if largest < 0 { for a in 0..<d { v[a * m + k] = -v[a * m + k] } }
        }
        var out = [Double](repeating: 0, count: n * components)
        for i in 0..<n {
            for c in 0..<d { row[c] = Double(x[i * d + c]) - mean[c] }
            for k in 0..<m {
                var s = 0.0
                for c in 0..<d { s += row[c] * v[c * m + k] }
                out[i * components + k] = s
            }
        }
        return out
    }
}
