import Foundation

/// A reference-counted, 64-byte aligned buffer (large ones recycled by `BufferPool`) of `Float`, the backing store of
/// `Tensor`. Tensors share it until one of them mutates (copy-on-write).
public final class TensorStorage {
    /// The first element. Valid for `count` elements for the storage's lifetime.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int

    /// Allocates uninitialised storage for `count` floats.
    init(uninitializedCount count: Int) {
        self.count = count
        let raw = BufferPool.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates storage filled with `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    /// The row-major copy of blocked storage; see `rowMajor(shape:blocking:)`.
    private var rowMajorCopy: TensorStorage?
    /// Guards `rowMajorCopy` of every storage (conversions are rare: only where a blocked result meets
    /// an op that reads row-major values).
    private static let rowMajorLock = NSLock()

    /// This storage, holding `shape` blocked by `blocking` (`BlockedLayout`), in row-major order: made on
    /// first use and kept as long as this storage, which never changes while it is shared.
    func rowMajor(shape: [Int], blocking: Int) -> TensorStorage {
        Self.rowMajorLock.lock()
        defer { Self.rowMajorLock.unlock() }
        if let rowMajorCopy { return rowMajorCopy }
        let s = TensorStorage(uninitializedCount: count)
        BlockedLayout.toRowMajor(pointer, shape: shape, blocking: blocking, into: s.pointer)
        rowMajorCopy = s
        return s
    }

    /// A copy of this storage.
    func copy() -> TensorStorage {
        let s = TensorStorage(uninitializedCount: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }

    deinit {
        BufferPool.release(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride)
    }
}
