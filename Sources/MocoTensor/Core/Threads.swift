import CBLAS
import CDNNL
import Foundation

/// The engine's one thread setting. It governs oneDNN (OpenMP), the engine's own parallel
/// loops and GEMM (OpenBLAS called on blocks over the same OpenMP threads) together.
///
/// The initial value comes from the environment variable `MOCO_THREADS` (default:
/// all cores). Work is always split into the same chunks for a given thread count,
/// so with a fixed count results are bit-identical from run to run.
public enum Threads {
    /// The most threads the engine takes; a larger setting is clamped (libgomp fails far above it).
    public static let maximum = 1_024

    private static let lock = NSLock()
    /// The setting, made on first use; read and written under `lock` (tests change it while
    /// other tests run kernels).
    nonisolated(unsafe) private static var current: Int?

    /// The number of threads the engine uses, 1 to `maximum`.
    public static var count: Int {
        get {
            lock.withLock {
                if let current { return current }
                let n = min(fromEnvironment(), maximum)
                apply(n)
                current = n
                return n
            }
        }
        set {
            lock.withLock {
                let n = min(max(1, newValue), maximum)
                current = n
                apply(n)
            }
        }
    }

    /// Makes sure the libraries have received the setting (called before kernels run).
    @inline(__always)
    static func ensureConfigured() { _ = count }

    /// `MOCO_THREADS` when it is a positive integer, else the number of active cores.
    public static func fromEnvironment() -> Int {
        if let s = ProcessInfo.processInfo.environment["MOCO_THREADS"], let n = Int(s), n > 0 {
            return n
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    private static func apply(_ n: Int) {
        // OpenBLAS stays single-threaded: GEMMs are split over the OpenMP team instead.
        openblas_set_num_threads(1)
        omp_set_num_threads(Int32(n))
    }

    /// Runs `body(chunk)` for the `chunks` ranges that split `0..<count`, in
    /// parallel when the work is large enough. The split depends only on `count`,
    /// `minChunk` and the thread count, never on timing.
    ///
    /// The chunks run on libgomp's OpenMP threads, the same team oneDNN uses: a second
    /// thread pool would fight OpenMP's spinning workers for the cores.
    ///
    /// - Parameters:
    ///   - count: total number of items.
    ///   - minChunk: smallest number of items worth a thread.
    ///   - body: called with a half-open range of items; must only write its own items.
    public static func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(Threads.count, max(1, count / max(1, minChunk)))
        if chunks <= 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = ParallelJob(count: count, chunks: chunks, body: body)
            withUnsafeMutablePointer(to: &job) { ptr in
                // Fork and join order the work as a ThreadSanitizer build must be told (RaceAnnotations).
                RaceAnnotations.release(ptr)
                GOMP_parallel(
                    { raw in
                        RaceAnnotations.acquire(raw!)
                        let job = raw!.assumingMemoryBound(to: ParallelJob.self).pointee
                        let c = Int(omp_get_thread_num())
                        let lo = job.count * c / job.chunks
                        let hi = job.count * (c + 1) / job.chunks
                        if lo < hi { job.body(lo..<hi) }
                        RaceAnnotations.release(raw!)
                    }, ptr, UInt32(chunks), 0)
                RaceAnnotations.acquire(ptr)
            }
        }
    }
}

/// The work of one `parallelFor`, handed to the OpenMP threads.
private struct ParallelJob {
    let count: Int
    let chunks: Int
    let body: (Range<Int>) -> Void
}
