import MocoTensor

/// Exact k nearest neighbours by squared Euclidean distance, from blocked distance
/// computations (`DistanceBlocks`), in parallel over blocks of rows. Ties go to the lower index,
/// so the result depends only on the data.
public struct NearestNeighbors: Sendable {
    /// `k` neighbour indices per point, nearest first (the point itself excluded).
    public let indices: [Int32]
    /// Their squared distances, in the same order.
    public let distances: [Float]
    public let k: Int

    /// - Parameters:
    ///   - points: `count` rows of `dimension` values, row-major.
    ///   - k: neighbours per point, at most `count - 1`.
    public init(points: [Float], count n: Int, dimension d: Int, k: Int) {
        precondition(k >= 1 && k < n && points.count == n * d)
        self.k = k
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        indices.withUnsafeMutableBufferPointer { outIndex in
            distances.withUnsafeMutableBufferPointer { outDistance in
                let (outIndex, outDistance) = (outIndex, outDistance)
                points.withUnsafeBufferPointer { x in
                    DistanceBlocks.forEach(x, count: n, dimension: d) { _, first, rows, d2 in
                        let heap = KSmallest(capacity: k)
                        for r in 0..<rows {
                            let i = first + r
                            heap.reset()
                            let row = d2 + r * n
                            for j in 0..<n where j != i { heap.offer(row[j], Int32(j)) }
                            heap.drainSorted(into: outDistance.baseAddress! + i * k, outIndex.baseAddress! + i * k)
                        }
                    }
                }
            }
        }
        self.indices = indices
        self.distances = distances
    }
}

/// The k smallest (distance, index) pairs seen so far: a max-heap on (distance, index).
final class KSmallest {
    private let capacity: Int
    private var count = 0
    private let keys: UnsafeMutablePointer<Float>
    private let values: UnsafeMutablePointer<Int32>

    init(capacity: Int) {
        self.capacity = capacity
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    func reset() { count = 0 }

    @inline(__always)
    private func above(_ a: Int, _ b: Int) -> Bool {
        keys[a] > keys[b] || (keys[a] == keys[b] && values[a] > values[b])
    }

    @inline(__always)
    func offer(_ key: Float, _ value: Int32) {
        if count < capacity {
            keys[count] = key
            values[count] = value
            var c = count
            count += 1
            while c > 0 {
                let p = (c - 1) / 2
                guard above(c, p) else { break }
                swapAt(c, p)
                c = p
            }
            return
        }
        guard key < keys[0] || (key == keys[0] && value < values[0]) else { return }
        keys[0] = key
        values[0] = value
        siftDown(0, count)
    }

    private func swapAt(_ a: Int, _ b: Int) {
        (keys[a], keys[b]) = (keys[b], keys[a])
        (values[a], values[b]) = (values[b], values[a])
    }

    private func siftDown(_ start: Int, _ end: Int) {
        var p = start
        while true {
            let l = 2 * p + 1
            let r = l + 1
            var top = p
            if l < end && above(l, top) { top = l }
            if r < end && above(r, top) { top = r }
            if top == p { return }
            swapAt(p, top)
            p = top
        }
    }

    /// Writes the pairs in increasing order (heap sort) and empties the heap.
    func drainSorted(into outKeys: UnsafeMutablePointer<Float>, _ outValues: UnsafeMutablePointer<Int32>) {
        var end = count
        while end > 0 {
            end -= 1
            outKeys[end] = keys[0]
            outValues[end] = values[0]
            swapAt(0, end)
            siftDown(0, end)
        }
        count = 0
    }
}
