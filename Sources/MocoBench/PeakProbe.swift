import Foundation

/// This machine's fp32 peak as the benchmarks reach it: the best of `cblas_sgemm` at 2048 (OpenBLAS's
/// own threads, in a child process) and oneDNN's 3x3 convolution forward at 64 channels, 32x32, on its
/// preferred blocked layouts, both at the engine's thread count. A peak is a best case: each is
/// measured three times (medians of 5 calls) and the fastest taken, so that a moment of contention
/// on a shared machine does not halve it.
struct PeakProbe {
    let gflops: Double

    init(batch: Int, log: (String) -> Void) throws {
        let n = 2048
        var sgemm = 0.0
        var convolution = 0.0
        let conv = try RawConvolution(n: batch, c: 64, h: 32, w: 32, o: 64, k: 3, plainMemory: false)
        for _ in 0..<3 {
            sgemm = max(sgemm, 2 * pow(Double(n), 3) / (try RawSGEMM.measureInChild(n: n, reps: 5)) / 1e9)
            let seconds = try medianSeconds(reps: 5) { try conv.forward() }
            convolution = max(convolution, 2 * Double(batch * 64 * 32 * 32) * Double(64 * 9) / seconds / 1e9)
        }
        gflops = max(sgemm, convolution)
        log(
            String(
                format: "peak probe: sgemm 2048 %.1f GFLOP/s, oneDNN blocked conv 3x3 64x32x32 %.1f GFLOP/s", sgemm,
                convolution))
    }
}
