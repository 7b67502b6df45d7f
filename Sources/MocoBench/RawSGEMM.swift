import CBLAS
import Foundation
import MocoTensor

/// Raw `cblas_sgemm` with OpenBLAS's own threads, timed in a child process of the benchmark.
enum RawSGEMM {
    /// Runs `moco-bench raw-sgemm N REPS` and returns its median seconds.
    static func measureInChild(n: Int, reps: Int) throws -> Double {
        let child = try spawnSelf(["raw-sgemm", String(n), String(reps)])
        guard child.status == 0, let t = child.number else {
            throw TensorError("bench", "raw-sgemm child failed (exit \(child.status))")
        }
        return t
    }

    /// The child's side: median seconds of `reps` calls (after one warm-up) on random `n x n`.
    static func run(n: Int, reps: Int) -> Double {
        openblas_set_num_threads(Int32(Threads.fromEnvironment()))
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }
        var rng = RandomGenerator(seed: 1)
        for i in 0..<(n * n) {
            a[i] = Float(rng.nextNormal())
            b[i] = Float(rng.nextNormal())
        }
        func call() {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0,
                c, Int32(n))
        }
        return medianSeconds(reps: reps, call)
    }
}
