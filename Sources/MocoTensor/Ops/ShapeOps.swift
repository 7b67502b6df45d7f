extension Tensor {
    /// The same values in a new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1, !newShape.contains(where: { $0 < -1 }) else {
            throw TensorError("reshape", "invalid target shape \(describe(newShape))")
        }
        if let i = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw TensorError(
                    "reshape", "cannot reshape \(describe(shape)) (\(count) elements) to \(describe(newShape))")
            }
            target[i] = count / known
        }
        guard target.reduce(1, *) == count else {
            throw TensorError(
                "reshape", "cannot reshape \(describe(shape)) (\(count) elements) to \(describe(newShape))")
        }
        if target == shape { return self }
        let y = sharingStorage(shape: target)
        let from = shape
        return Tensor.record(y, op: "reshape", inputs: [self]) { g in [g.sharingStorage(shape: from)] }
    }

    /// This tensor with row-major storage (`blocking` 1), like `torch.Tensor.contiguous()`: itself when it
    /// already is one, else a copy. The gradient passes through.
    public func rowMajor() -> Tensor {
        if blocking == 1 { return self }
        return Tensor.record(Tensor(shape: shape, storage: storage), op: "row_major", inputs: [self]) { g in [g] }
    }

    /// Flattens dimensions `startAxis...` into one (default: all but the first).
    public func flattened(from startAxis: Int = 1) throws -> Tensor {
        let s = try normalizeAxis(startAxis, rank: Swift.max(rank, 1), op: "flatten")
        if rank == 0 { return try reshaped([1]) }
        return try reshaped(Array(shape[..<s]) + [shape[s...].reduce(1, *)])
    }

    /// Inserts a dimension of size 1 at `axis` (`-1` appends).
    public func unsqueezed(_ axis: Int) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank + 1, op: "unsqueeze")
        var s = shape
        s.insert(1, at: a)
        return try reshaped(s)
    }

    /// Removes dimension `axis`, which must have size 1; or every size-1 dimension when nil.
    public func squeezed(_ axis: Int? = nil) throws -> Tensor {
        guard let axis else { return try reshaped(shape.filter { $0 != 1 }) }
        let a = try normalizeAxis(axis, rank: rank, op: "squeeze")
        guard shape[a] == 1 else {
            throw TensorError("squeeze", "dimension \(axis) of shape \(describe(shape)) has size \(shape[a]), not 1")
        }
        var s = shape
        s.remove(at: a)
        return try reshaped(s)
    }

    /// Reorders the dimensions: result dimension `i` is input dimension `order[i]` (a copy).
    public func permuted(_ order: [Int]) throws -> Tensor {
        let norm = try order.map { try normalizeAxis($0, rank: rank, op: "permute") }
        guard norm.count == rank, Set(norm).count == rank else {
            throw TensorError(
                "permute", "\(describe(order)) is not a permutation of the \(rank) axes of \(describe(shape))")
        }
        if norm == Array(0..<rank) { return self }
        let y = permuteKernel(norm)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in norm.enumerated() { inverse[p] = i }
        return Tensor.record(y, op: "permute", inputs: [self]) { g in [g.permuteKernel(inverse)] }
    }

    /// Swaps two dimensions (a copy).
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        guard rank >= 2 || (a == -2 && b == -1 && rank < 2) else {
            throw TensorError("transpose", "tensor of shape \(describe(shape)) has fewer than 2 dimensions")
        }
        if rank < 2 { return self }
        let x = try normalizeAxis(a, rank: rank, op: "transpose")
        let y = try normalizeAxis(b, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    /// The permuted copy (no autograd). `order` is a valid permutation.
    func permuteKernel(_ order: [Int]) -> Tensor {
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        return stridedCopy(shape: order.map { shape[$0] }, strides: order.map { inStrides[$0] })
    }
}
