extension Tensor {
    /// Joins tensors along an existing `axis`; all other dimensions must agree.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("concat", "needs at least one tensor") }
        let a = try normalizeAxis(axis, rank: first.rank, op: "concat")
        for t in tensors {
            var s1 = t.shape
            var s0 = first.shape
            guard s1.count == s0.count else {
                throw TensorError("concat", "shapes \(describe(first.shape)) and \(describe(t.shape)) differ in rank")
            }
            s1[a] = 0
            s0[a] = 0
            guard s1 == s0 else {
                throw TensorError(
                    "concat", "shapes \(describe(first.shape)) and \(describe(t.shape)) differ outside axis \(axis)")
            }
        }
        var outShape = first.shape
        outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let out = Tensor(uninitializedShape: outShape)
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        let rowOut = outShape[a] * inner
        var offset = 0
        for t in tensors {
            let rowIn = t.shape[a] * inner
            let src = t.storage.pointer
            let dst = out.storage.pointer + offset
            for o in 0..<outer { (dst + o * rowOut).update(from: src + o * rowIn, count: rowIn) }
            offset += rowIn
        }
        let sizes = tensors.map { $0.shape[a] }
        return record(out, op: "concat", inputs: tensors) { g in
            let parts = try g.split(sizes: sizes, axis: a)
            return zip(tensors, parts).map { $0.requiresGrad ? $1 : nil }
        }
    }

    /// Stacks tensors of one shape along a new `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("stack", "needs at least one tensor") }
        for t in tensors where t.shape != first.shape {
            throw TensorError("stack", "shapes \(describe(first.shape)) and \(describe(t.shape)) differ")
        }
        let a = try normalizeAxis(axis, rank: first.rank + 1, op: "stack")
        return try concat(tensors.map { try $0.unsqueezed(a) }, axis: a)
    }

    /// Splits along `axis` into pieces of the given sizes, which must add up to its length.
    public func split(sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let a = try normalizeAxis(axis, rank: rank, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            throw TensorError(
                "split", "sizes \(describe(sizes)) do not add up to dimension \(axis) of \(describe(shape))")
        }
        var start = 0
        return try sizes.map { n in
            defer { start += n }
            return try slice(axis: a, start..<(start + n))
        }
    }

    /// Splits along `axis` into pieces of `size` (the last may be shorter).
    public func split(size: Int, axis: Int = 0) throws -> [Tensor] {
        let a = try normalizeAxis(axis, rank: rank, op: "split")
        guard size > 0 else { throw TensorError("split", "piece size must be positive, got \(size)") }
        let n = shape[a]
        let sizes = stride(from: 0, to: n, by: size).map { Swift.min(size, n - $0) }
        return try split(sizes: sizes.isEmpty ? [0] : sizes, axis: a)
    }

    /// Elements `range` along `axis` (a copy); the gradient is scattered back.
    public func slice(axis: Int, _ range: Range<Int>) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "slice")
        guard range.lowerBound >= 0, range.upperBound <= shape[a] else {
            throw TensorError(
                "slice",
                "range \(range.lowerBound)..<\(range.upperBound) is out of bounds for dimension \(axis) of size \(shape[a])"
            )
        }
        var outShape = shape
        outShape[a] = range.count
        let out = Tensor(uninitializedShape: outShape)
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        let rowIn = shape[a] * inner
        let rowOut = range.count * inner
        let skip = range.lowerBound * inner
        let src = storage.pointer
        let dst = out.storage.pointer
        for o in 0..<outer { (dst + o * rowOut).update(from: src + o * rowIn + skip, count: rowOut) }
        let inShape = shape
        return Tensor.record(out, op: "slice", inputs: [self]) { g in
            let gx = try Tensor.zeros(inShape)
            let gp = g.storage.pointer
            let dp = gx.storage.pointer
            for o in 0..<outer { (dp + o * rowIn + skip).update(from: gp + o * rowOut, count: rowOut) }
            return [gx]
        }
    }
}
