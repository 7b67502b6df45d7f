import Foundation
import MocoTensor

/// Lets tests that change the engine's thread count (`Threads.count`, a process-wide setting) and
/// tests whose bits depend on it staying put take turns. Swift Testing runs suites in parallel: a
/// thread count changed half-way through a run changes that run's bits (reductions split
/// differently), so two runs compared bit for bit must not overlap a change.
public enum ThreadCountGuard {
    /// A readers-writer lock: changers hold it exclusively, steady runs share it.
    private final class Lock: @unchecked Sendable {  // pthread_rwlock_t is itself thread-safe
        let rw: UnsafeMutablePointer<pthread_rwlock_t> = {
            let p = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
            pthread_rwlock_init(p, nil)
            return p
        }()
    }

    private static let lock = Lock()

    /// Runs `body`, which may set `Threads.count`, alone; the count is restored afterwards.
    public static func changing<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock.rw)
        let saved = Threads.count
        defer {
            Threads.count = saved
            pthread_rwlock_unlock(lock.rw)
        }
        return try body()
    }

    /// Runs `body`, whose results must not see the thread count change, beside other steady runs.
    public static func steady<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock.rw)
        defer { pthread_rwlock_unlock(lock.rw) }
        return try body()
    }
}
