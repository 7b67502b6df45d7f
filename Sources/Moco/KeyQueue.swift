import MocoTensor

/// MoCo's dictionary: a FIFO queue of `capacity` L2-normalised keys of width `dim`,
/// stored as the columns of a `[dim, capacity]` matrix with a write pointer, as
/// builder.py's `queue` and `queue_ptr`. Any batch size works: a batch that passes the
/// end wraps around. It starts as normalised Gaussian noise.
public struct KeyQueue {
    public private(set) var keys: Tensor
    /// Column the next key is written to.
    public private(set) var pointer: Int
    /// Keys enqueued so far, up to `capacity` (the rest is the initial noise).
    public private(set) var filled: Int

    public var dim: Int { keys.shape[0] }
    public var capacity: Int { keys.shape[1] }

    /// A queue of noise keys drawn from `rng`.
    public init(dim: Int, capacity: Int, using rng: inout RandomGenerator) throws {
        guard dim > 0, capacity > 0 else {
            throw MoCoError("queue", "needs a positive width and size, got \(dim) and \(capacity)")
        }
        keys = try Tensor.randn([dim, capacity], using: &rng).l2Normalized(axis: 0)
        pointer = 0
        filled = 0
    }

    /// A queue restored from saved keys, pointer and fill.
    public init(keys: Tensor, pointer: Int, filled: Int) throws {
        guard keys.rank == 2, (0..<keys.shape[1]).contains(pointer), (0...keys.shape[1]).contains(filled) else {
            throw MoCoError(
                "queue", "saved queue of shape \(keys.shape) with pointer \(pointer) and fill \(filled) is inconsistent"
            )
        }
        (self.keys, self.pointer, self.filled) = (keys.detached(), pointer, filled)
    }

    /// Writes the rows of `batch` (`[n, dim]`) as the newest keys.
    public mutating func enqueue(_ batch: Tensor) throws {
        guard batch.rank == 2, batch.shape[1] == dim else {
            throw MoCoError("queue", "keys of shape \(batch.shape) for a queue of width \(dim)")
        }
        let n = batch.shape[0]
        let k = capacity
        let d = dim
        let start = n > k ? n - k : 0  // only the newest `capacity` keys survive
        let p0 = pointer
        batch.withUnsafeBufferPointer { src in
            keys.withUnsafeMutableBufferPointer { q in
                for (j, row) in (start..<n).enumerated() {
                    let col = (p0 + j) % k
                    for c in 0..<d { q[c * k + col] = src[row * d + c] }
                }
            }
        }
        pointer = (pointer + (n - start)) % k
        filled = min(k, filled + n)
    }

    /// The keys from oldest to newest among those enqueued (noise columns excluded).
    public func newest(_ count: Int) throws -> Tensor {
        let n = min(count, filled)
        let cols = (0..<n).map { (pointer - n + $0 + capacity) % capacity }
        return try keys.indexSelect(axis: 1, cols)
    }

    /// Changes the size, keeping the newest keys (up to the new size) in order; new
    /// columns are normalised noise from `rng`.
    public mutating func resize(to newCapacity: Int, using rng: inout RandomGenerator) throws {
        guard newCapacity > 0 else { throw MoCoError("queue", "size must be positive, got \(newCapacity)") }
        let kept = try newest(newCapacity)
        var fresh = try KeyQueue(dim: dim, capacity: newCapacity, using: &rng)
        if kept.shape[1] > 0 { try fresh.enqueue(kept.transposed()) }
        self = fresh
    }
}
