import CBLAS
import Foundation
import MocoTensor

/// Kernels through our tensors beside the native libraries called directly, each pair
/// measured alternately in one run.
struct EngineSuite {
    var reps: Int
    var batch: Int
    var sizes: [Int]
    var log: (String) -> Void

    /// GEMM GFLOP/s: `Tensor.matmul` (allocating its result; OpenBLAS blocks over the
    /// OpenMP team) against one `cblas_sgemm` call into a preallocated buffer with OpenBLAS's
    /// own pthreads (as many as ours). The raw side runs in a child process (`raw-sgemm`), so
    /// that neither side's idle threads spin on the other's cores; the two alternate.
    func sgemm(_ n: Int) throws -> BenchRow {
        var rng = RandomGenerator(seed: 1)
        let a = try Tensor.randn([n, n], using: &rng)
        let b = try Tensor.randn([n, n], using: &rng)
        let flops = 2.0 * Double(n * n * n)
        var ours: [Double] = []
        var raw: [Double] = []
        for _ in 0..<reps {
            raw.append(try RawSGEMM.measureInChild(n: n, reps: 5))
            ours.append(try medianSeconds(reps: 5) { _ = try a.matmul(b) })
        }
        ours.sort()
        raw.sort()
        return BenchRow(
            workload: "sgemm-\(n)", unit: "GFLOP/s", ours: flops / ours[reps / 2] / 1e9,
            reference: flops / raw[reps / 2] / 1e9, referenceName: "cblas_sgemm, OpenBLAS threads", higherIsBetter: true
        )
    }

    /// Conv 3x3 (stride 1, padding 1, `c` -> `c` channels) at `[batch, c, hw, hw]`:
    /// forward, and backward (data + weights), in GFLOP/s, against oneDNN called
    /// directly on plain NCHW memory (the same job) and on its preferred blocked layouts.
    func conv(channels c: Int, size hw: Int) throws -> [BenchRow] {
        var rng = RandomGenerator(seed: 2)
        let x = try Tensor.randn([batch, c, hw, hw], using: &rng).requiringGrad()
        let w = try Tensor.randn([c, c, 3, 3], std: 0.05, using: &rng).requiringGrad()
        let gy = try Tensor.randn([batch, c, hw, hw], using: &rng)
        let flops = 2.0 * Double(batch * c * hw * hw) * Double(c * 9)
        let name = "conv3x3-\(c)x\(hw)x\(hw)-b\(batch)"
        var rows: [BenchRow] = []
        for plain in [true, false] {
            let raw = try RawConvolution(n: batch, c: c, h: hw, w: hw, o: c, k: 3, plainMemory: plain)
            let (fwd, rawFwd) = try interleavedMedians(reps: reps) {
                _ = try withoutGrad { try Tensor.conv2d(x, weight: w, padding: 1) }
            } _: {
                try raw.forward()
            }
            // One recorded graph per timed backward call (and the warm-up), built beforehand.
            var graphs = try (0...reps).map { _ in try Tensor.conv2d(x, weight: w, padding: 1) }
            let (bwd, rawBwd) = try interleavedMedians(reps: reps) {
                try graphs.removeLast().backward(gy)
                x.grad = nil
                w.grad = nil
            } _: {
                try raw.backward()
            }
            let suffix = plain ? "" : "-vs-blocked"
            let refName = plain ? "oneDNN direct, NCHW memory" : "oneDNN direct, blocked layouts"
            rows.append(
                BenchRow(
                    workload: name + "-fwd" + suffix, unit: "GFLOP/s", ours: flops / fwd / 1e9,
                    reference: flops / rawFwd / 1e9, referenceName: refName, higherIsBetter: true))
            rows.append(
                BenchRow(
                    workload: name + "-bwd" + suffix, unit: "GFLOP/s", ours: 2 * flops / bwd / 1e9,
                    reference: 2 * flops / rawBwd / 1e9, referenceName: refName, higherIsBetter: true))
        }
        return rows
    }

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for n in sizes {
            rows.append(try sgemm(n))
            log(rows.last!.line)
        }
        for (c, hw) in [(64, 32), (128, 16), (256, 8), (512, 4)] {
            for r in try conv(channels: c, size: hw) {
                rows.append(r)
                log(r.line)
            }
        }
        return rows
    }
}
