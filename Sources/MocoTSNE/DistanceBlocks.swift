import CBLAS
import MocoTensor

/// Squared Euclidean distances from every row of row-major points to all rows, a block of rows at a
/// time: `|a|² + |b|² - 2 a·b` with the dot products by `cblas_sgemm`, clamped at 0. The shared
/// first step of the exact nearest neighbours and of trustworthiness.
enum DistanceBlocks {
    /// Rows per block.
    static let rows = 128

    /// The number of blocks for `n` points.
    static func count(_ n: Int) -> Int { (n + rows - 1) / rows }

    /// Calls `body(block, first, rows, d2)` for every block of rows, `d2` holding that block's `rows x n`
    /// squared distances (row-major), in parallel over blocks: `body` must only write what belongs to its
    /// block. The split depends only on `n` and the thread count.
    static func forEach(
        _ x: UnsafeBufferPointer<Float>, count n: Int, dimension d: Int,
        _ body: (_ block: Int, _ first: Int, _ rows: Int, _ d2: UnsafeMutablePointer<Float>) -> Void
    ) {
        var norms = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var s: Float = 0
            for c in 0..<d { s += x[i * d + c] * x[i * d + c] }
            norms[i] = s
        }
        norms.withUnsafeBufferPointer { norms in
            Threads.parallelFor(count(n)) { range in
                let gram = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
                defer { gram.deallocate() }
                for b in range {
                    let first = b * rows
                    let height = min(rows, n - first)
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(height), Int32(n), Int32(d), 1,
                        x.baseAddress! + first * d, Int32(d), x.baseAddress!, Int32(d), 0, gram, Int32(n))
                    for r in 0..<height {
                        let ni = norms[first + r]
                        let row = gram + r * n
                        for j in 0..<n { row[j] = max(0, ni + norms[j] - 2 * row[j]) }
                    }
                    body(b, first, height, gram)
                }
            }
        }
    }
}
