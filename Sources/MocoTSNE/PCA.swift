import CBLAS
import Foundation
import MocoTensor

/// Principal component analysis of row-major data.
public enum PCA {
    /// The rows reduced to their first `components` principal components (the usual step before
    /// t-SNE of high-dimensional data): the covariance in double precision, by BLAS over blocks of
    /// rows, its eigenvectors by LAPACK's `dsyevd`, each signed so that its largest-magnitude
    /// coefficient is positive. Returns `count` rows of `components` values.
    ///
    /// - Throws: `TSNE.Failure.badSetting` for a component count outside `1...dimension`, and
    ///   `TensorError` when LAPACK fails.
    public static func reduce(_ x: [Float], count n: Int, dimension d: Int, components k: Int) throws -> [Float] {
        guard n >= 1, d >= 1, (1...d).contains(k), x.count == n * d else {
            throw TSNE.Failure.badSetting("PCA needs 1 to \(d) components of \(n) rows of \(d) values")
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(x[i * d + c]) } }
        for c in 0..<d { mean[c] /= Double(n) }
        let block = 4_096
        var centred = [Double](repeating: 0, count: block * d)
        var covariance = [Double](repeating: 0, count: d * d)
        for lo in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - lo)
            for r in 0..<rows { for c in 0..<d { centred[r * d + c] = Double(x[(lo + r) * d + c]) - mean[c] } }
            cblas_dsyrk(
                CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows), 1, centred, Int32(d), 1, &covariance,
                Int32(d))
        }
        // dsyrk filled the upper triangle: mirror it, so that whichever triangle the eigensolver reads is whole.
        for a in 0..<d { for b in 0..<a { covariance[a * d + b] = covariance[b * d + a] } }
        let (_, vectors) = try Tensor.symmetricEigensystem(covariance, n: d, vectors: true)
        // Axes as a d x k float matrix, largest variance first.
        var axes = [Float](repeating: 0, count: d * k)
        for j in 0..<k {
            let column = vectors[(d - 1 - j) * d..<(d - j) * d]
            let largest = column.max { abs($0) < abs($1) } ?? 1
            for c in 0..<d {
                axes[c * k + j] = Float(largest < 0 ? -column[column.startIndex + c] : column[column.startIndex + c])
            }
        }
        var out = [Float](repeating: 0, count: n * k)
        let shift = mean.map(Float.init)
        var rowsBuffer = [Float](repeating: 0, count: block * d)
        for lo in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - lo)
            for r in 0..<rows { for c in 0..<d { rowsBuffer[r * d + c] = x[(lo + r) * d + c] - shift[c] } }
            out.withUnsafeMutableBufferPointer { o in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(k), Int32(d), 1, rowsBuffer,
                    Int32(d), axes, Int32(k), 0, o.baseAddress! + lo * k, Int32(k))
            }
        }
        return out
    }

    /// The projection of the `n x d` rows onto their first `components` principal axes, found by
    /// orthogonal (subspace) iteration on the covariance matrix (enough for t-SNE's initial layout,
    /// and deterministic), each axis signed so that its largest-magnitude coefficient is positive.
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
