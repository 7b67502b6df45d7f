extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) throws -> Tensor {
        try checkShape(shape, op: "full")
        return Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), repeating: value))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, 0) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, 1) }

    /// Zeros of the same shape as `other`.
    public static func zeros(like other: Tensor) -> Tensor {
        Tensor(shape: other.shape, storage: TensorStorage(count: other.count, repeating: 0))
    }

    /// `start, start + step, ...` up to but excluding `end`, as a 1-D tensor.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw TensorError("arange", "needs finite bounds and a non-zero step, got \(start), \(end), step \(step)")
        }
        let steps = ((Double(end) - Double(start)) / Double(step)).rounded(.up)
        guard steps < Double(Int.max >> 8) else {
            throw TensorError("arange", "\(start) to \(end) by \(step) has too many elements")
        }
        let n = Swift.max(0, Int(steps))
        try checkShape([n], op: "arange")
        var t = Tensor(uninitializedShape: [n])
        t.withUnsafeMutableBufferPointer { p in
            for i in 0..<n { p[i] = start + Float(i) * step }
        }
        return t
    }

    /// Standard normal values scaled by `std` and shifted by `mean`, drawn from `rng`.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator) throws
        -> Tensor
    {
        try checkShape(shape, op: "randn")
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = mean + std * Float(rng.nextNormal()) }
        }
        return t
    }

    /// Uniform values in `[low, high)` drawn from `rng`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout RandomGenerator) throws
        -> Tensor
    {
        try checkShape(shape, op: "uniform")
        guard low <= high else { throw TensorError("uniform", "low \(low) is greater than high \(high)") }
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = rng.uniform(low, high) }
        }
        return t
    }
}
