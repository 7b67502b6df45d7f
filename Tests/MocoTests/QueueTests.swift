import Moco
import MocoTensor
import Testing

@Suite("Key queue")
struct QueueTests {
    /// Keys whose every entry is `value`, one row per value.
    func keys(_ values: [Float], dim: Int = 2) throws -> Tensor {
        try Tensor(shape: [values.count, dim], scalars: values.flatMap { Array(repeating: $0, count: dim) })
    }

    func columns(_ q: KeyQueue) -> [Float] { (0..<q.capacity).map { q.keys.scalars[$0] } }

    @Test func startsAsNormalisedNoise() throws {
        var rng = RandomGenerator(seed: 1)
        let q = try KeyQueue(dim: 4, capacity: 6, using: &rng)
        let norms = try (q.keys * q.keys).sum(axes: [0]).sqrt().scalars
        #expect(norms.allSatisfy { abs($0 - 1) < 1e-5 })
        #expect(q.pointer == 0 && q.filled == 0)
    }

    @Test func fifoWithWrapAround() throws {
        var rng = RandomGenerator(seed: 1)
        var q = try KeyQueue(dim: 2, capacity: 5, using: &rng)
        try q.enqueue(keys([1, 2, 3]))
        #expect(Array(columns(q).prefix(3)) == [1, 2, 3] && q.pointer == 3 && q.filled == 3)
        try q.enqueue(keys([4, 5, 6]))  // 5 does not divide into batches of 3: wraps
        #expect(columns(q) == [6, 2, 3, 4, 5] && q.pointer == 1 && q.filled == 5)
        #expect(try q.newest(5).scalars.prefix(5) == [2, 3, 4, 5, 6])
        try q.enqueue(keys([7, 8, 9, 10, 11, 12, 13]))  // more than fits: the newest 5 survive
        #expect(try q.newest(5).scalars.prefix(5) == [9, 10, 11, 12, 13])
    }

    @Test func resizeKeepsTheNewestKeys() throws {
        var rng = RandomGenerator(seed: 2)
        var q = try KeyQueue(dim: 2, capacity: 5, using: &rng)
        try q.enqueue(keys([1, 2, 3, 4, 5, 6, 7]))
        try q.resize(to: 3, using: &rng)
        #expect(q.capacity == 3 && q.filled == 3 && q.pointer == 0)
        #expect(try q.newest(3).scalars.prefix(3) == [5, 6, 7])
        try q.resize(to: 8, using: &rng)
        #expect(q.capacity == 8 && q.filled == 3 && q.pointer == 3)
        #expect(try q.newest(8).scalars.prefix(3) == [5, 6, 7])
        #expect(throws: MoCoError("queue", "keys of shape [1, 3] for a queue of width 2")) {
            try q.enqueue(Tensor.zeros([1, 3]))
        }
        #expect(throws: MoCoError("queue", "size must be positive, got 0")) { try q.resize(to: 0, using: &rng) }
    }
}
