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
