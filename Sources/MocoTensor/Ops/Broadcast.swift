/// NumPy broadcasting: shapes are aligned at their last dimension, and each pair of
/// dimensions must be equal or contain a 1.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    let rank = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else {
            throw TensorError(
                op, "shapes \(describe(a)) and \(describe(b)) cannot be broadcast (dimension \(i): \(da) vs \(db))")
        }
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Element strides of `shape` seen inside a broadcast result of rank `rank`:
/// dimensions that are broadcast (missing or of size 1) get stride 0.
func broadcastStrides(_ shape: [Int], rank: Int) -> [Int] {
    var strides = [Int](repeating: 0, count: rank)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        let o = i + rank - shape.count
        strides[o] = shape[i] == 1 ? 0 : s
        s *= shape[i]
    }
    return strides
}

extension Tensor {
    /// `broadcastMap` for an operation that also exists on SIMD vectors: tensors of the
    /// same shape take the vectorised path (the hot case: gradients, optimiser updates).
    @inline(__always)
    static func broadcastMap(
        _ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float,
        lanes: (Lanes.Vector, Lanes.Vector) -> Lanes.Vector
    ) throws -> Tensor {
        a.shape == b.shape ? a.zipLanes(b, lanes) : try broadcastMap(a, b, op: op, f)
    }

    /// Applies `f` to the broadcast pair `(a, b)` (no autograd).
    @inline(__always)
    static func broadcastMap(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        if a.shape == b.shape { return a.zipMap(b, f) }
        let shape = try broadcastShape(a.shape, b.shape, op: op)
        let out = Tensor(uninitializedShape: shape)
        let pa = a.storage.pointer
        let pb = b.storage.pointer
        let dst = out.storage.pointer
        let n = out.count
        if b.count == 1, shape == a.shape {
            let s = pb[0]
            Threads.parallelFor(n, minChunk: elementwiseGrain) { r in for i in r { dst[i] = f(pa[i], s) } }
            return out
        }
        if a.count == 1, shape == b.shape {
            let s = pa[0]
            Threads.parallelFor(n, minChunk: elementwiseGrain) { r in for i in r { dst[i] = f(s, pb[i]) } }
            return out
        }
        let rank = shape.count
        let sa = broadcastStrides(a.shape, rank: rank)
        let sb = broadcastStrides(b.shape, rank: rank)
        let inner = shape[rank - 1]
        let ia = sa[rank - 1]
        let ib = sb[rank - 1]
        let rows = inner == 0 ? 0 : n / inner
        Threads.parallelFor(rows, minChunk: Swift.max(1, elementwiseGrain / Swift.max(inner, 1))) { r in
            for row in r {
                var rem = row
                var offA = 0
                var offB = 0
                for d in stride(from: rank - 2, through: 0, by: -1) {
                    let i = rem % shape[d]
                    rem /= shape[d]
                    offA += i * sa[d]
                    offB += i * sb[d]
                }
                let o = dst + row * inner
                for j in 0..<inner { o[j] = f(pa[offA + j * ia], pb[offB + j * ib]) }
            }
        }
        return out
    }

    /// This tensor copied into the broadcast shape `target` (no autograd; `target` must be
    /// a valid broadcast of `shape`).
    func broadcastCopy(to target: [Int]) -> Tensor {
        stridedCopy(shape: target, strides: broadcastStrides(shape, rank: target.count))
    }

    /// A contiguous tensor of `shape` whose element at index `i` is this tensor's element at
    /// `sum(i[d] * strides[d])`: the one copy kernel behind permutes and broadcasts.
    func stridedCopy(shape outShape: [Int], strides st: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: outShape)
        let rank = outShape.count
        let inner = rank == 0 ? 1 : outShape[rank - 1]
        let innerStride = rank == 0 ? 0 : st[rank - 1]
        let rows = inner == 0 ? 0 : out.count / inner
        let src = storage.pointer
        let dst = out.storage.pointer
        Threads.parallelFor(rows, minChunk: Swift.max(1, elementwiseGrain / Swift.max(inner, 1))) { r in
            for row in r {
                var rem = row
                var off = 0
                for d in stride(from: rank - 2, through: 0, by: -1) {
                    off += (rem % outShape[d]) * st[d]
                    rem /= outShape[d]
                }
                let o = dst + row * inner
                for j in 0..<inner { o[j] = src[off + j * innerStride] }
            }
        }
        return out
    }

    /// Sums a broadcast gradient back to `shape` (the shape of the original operand).
    func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        var r = axes.isEmpty ? self : try sum(axes: axes, keepdims: true)
        r = try r.reshaped(target)
        return r
    }

    /// This tensor broadcast to `target` (a copy). Its gradient sums back.
    public func expanded(to target: [Int]) throws -> Tensor {
        if target == shape { return self }
        let s = try broadcastShape(shape, target, op: "expand")
        guard s == target else {
            throw TensorError("expand", "shape \(describe(shape)) cannot be expanded to \(describe(target))")
        }
        let y = broadcastCopy(to: target)
        let from = shape
        return Tensor.record(y, op: "expand", inputs: [self]) { g in [try g.sumToShape(from)] }
    }
}
