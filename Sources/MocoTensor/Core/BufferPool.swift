import Foundation

/// A cache of large freed buffers, reused by later tensors of the same rounded size.
///
/// Training repeats the same shapes every step; without reuse every large result is a
/// fresh `mmap` whose pages fault in and are zeroed by the kernel (measured: 49,000
/// faults and about half the time of a batch-256 convolution). Buffers of at least
/// `minimumBytes` are rounded up to whole pages and kept after release, up to
/// `capacityBytes` in all (`MOCO_POOL_MB`, default 4096); smaller ones go straight to
/// `malloc`, which already reuses them.
public enum BufferPool {
    static let minimumBytes = 1 << 16
    static let alignment = 64
    private static let lock = NSLock()
    /// Released buffers by size, and their total bytes. `nonisolated(unsafe)`: read and written
    /// only while holding `lock`.
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var cached = 0

    /// The most bytes the pool keeps for reuse.
    public static let capacityBytes: Int = {
        if let s = ProcessInfo.processInfo.environment["MOCO_POOL_MB"], let mb = Int(s), mb >= 0 { return mb << 20 }
        return 4096 << 20
    }()

    /// The size actually allocated for a request of `bytes`.
    static func roundedSize(_ bytes: Int) -> Int {
        bytes < minimumBytes ? bytes : (bytes + 4095) & ~4095
    }

    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = roundedSize(bytes)
        if size >= minimumBytes {
            lock.lock()
            if let p = free[size]?.popLast() {
                cached -= size
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: alignment)
    }

    static func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let size = roundedSize(bytes)
        if size >= minimumBytes {
            lock.lock()
            if cached + size <= capacityBytes {
                free[size, default: []].append(pointer)
                cached += size
                lock.unlock()
                return
            }
            lock.unlock()
        }
        pointer.deallocate()
    }
}
