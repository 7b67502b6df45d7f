import CBLAS

/// Row-major single-precision GEMM through OpenBLAS:
/// `C = alpha * op(A) * op(B) + beta * C`, with `op(A)` of shape `[m, k]` and
/// `op(B)` of shape `[k, n]`, all matrices contiguous.
///
/// OpenBLAS runs single-threaded; large products are split into row (or column) blocks
/// over the engine's OpenMP team. OpenBLAS's own pthread pool would otherwise spin beside
/// OpenMP's on the same cores (measured: a fifth of a MoCo digits step in `sched_yield`).
/// The split depends only on the shapes and the thread count, so results are reproducible.
func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    beta: Float = 0, _ c: UnsafeMutablePointer<Float>
) {
    Threads.ensureConfigured()
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C untouched when k == 0 only if beta is 1; define it as beta * C.
        for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
        return
    }
    nativeKernelLock.lock()
    defer { nativeKernelLock.unlock() }
    let lda = transA ? m : k
    let ldb = transB ? k : n
    /// One block: rows `r` of C when splitting rows, else columns `r`.
    func block(rows: Range<Int>?, cols: Range<Int>?) {
        let r = rows ?? 0..<m
        let cl = cols ?? 0..<n
        let pa = transA ? a + r.lowerBound : a + r.lowerBound * lda
        let pb = transB ? b + cl.lowerBound * ldb : b + cl.lowerBound
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(r.count), Int32(cl.count), Int32(k), alpha, pa, Int32(lda), pb, Int32(ldb), beta,
            c + r.lowerBound * n + cl.lowerBound, Int32(n))
    }
    let threads = Threads.count
    let work = m * n * k
    if threads == 1 || work < 1 << 18 {
        block(rows: nil, cols: nil)
    } else if m >= 16 * threads {
        Threads.parallelFor(m, minChunk: 16) { block(rows: $0, cols: nil) }
    } else {
        Threads.parallelFor(n, minChunk: 16) { block(rows: nil, cols: $0) }
    }
}
