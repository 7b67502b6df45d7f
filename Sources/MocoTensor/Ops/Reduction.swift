extension Tensor {
    /// Splits the shape around `axis` into `(outer, n, inner)`.
    func split(around axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// Sums along one (normalised) axis, keeping it with size 1 (no autograd).
    func sumKernel(axis: Int) -> Tensor {
        let (outer, n, inner) = split(around: axis)
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer
        let dst = out.storage.pointer
        Threads.parallelFor(outer, minChunk: Swift.max(1, elementwiseGrain / Swift.max(1, n * inner))) { r in
            for o in r {
                let base = src + o * n * inner
                let d = dst + o * inner
                if inner == 1 {
                    d[0] = Lanes.sum(base, n)
                } else {
                    for j in 0..<inner { d[j] = 0 }
                    for k in 0..<n { Lanes.zip(d, base + k * inner, d, 0..<inner) { $0 + $1 } }
                }
            }
        }
        return out
    }

    /// Normalised, sorted, distinct axes; all axes when `axes` is nil.
    func reductionAxes(_ axes: [Int]?, op: String) throws -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let norm = try axes.map { try normalizeAxis($0, rank: rank, op: op) }
        guard Set(norm).count == norm.count else {
            throw TensorError(op, "axes \(describe(axes)) repeat an axis")
        }
        return norm.sorted()
    }

    /// The shape after reducing `axes` (which are sorted and normalised).
    func reducedShape(_ axes: [Int], keepdims: Bool) -> [Int] {
        var s: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepdims { s.append(1) } } else { s.append(d) }
        }
        return s
    }

    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let ax = try reductionAxes(axes, op: "sum")
        var y = detached()
        for a in ax.reversed() { y = y.sumKernel(axis: a) }
        y = Tensor(shape: reducedShape(ax, keepdims: keepdims), storage: y.storage)
        let inShape = shape
        let keptShape = reducedShape(ax, keepdims: true)
        return Tensor.record(y, op: "sum", inputs: [self]) { g in
            [try Tensor(shape: keptShape, storage: g.storage).expanded(to: inShape)]
        }
    }

    /// Sum of all elements, as a scalar tensor.
    public func sum() -> Tensor {
        // Reducing every axis of a valid tensor cannot fail.
        (try? sum(axes: nil)) ?? Tensor(0)
    }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let ax = try reductionAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return try sum(axes: ax, keepdims: keepdims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Mean of all elements, as a scalar tensor.
    public func mean() -> Tensor {
        sum() * (1 / Float(Swift.max(count, 1)))
    }

    /// Maximum along `axis` and the index of its first occurrence, both with the axis
    /// kept (no autograd).
    func maxKernel(axis: Int) -> (values: Tensor, indices: [Int]) {
        let (outer, n, inner) = split(around: axis)
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        var idx = [Int](repeating: 0, count: outer * inner)
        let src = storage.pointer
        let dst = out.storage.pointer
        idx.withUnsafeMutableBufferPointer { ip in
            let ix = ip.baseAddress!
            Threads.parallelFor(outer * inner, minChunk: Swift.max(1, elementwiseGrain / Swift.max(n, 1))) { r in
                for oi in r {
                    let o = oi / inner
                    let j = oi % inner
                    let base = src + o * n * inner + j
                    var best = base[0]
                    var bi = 0
                    for k in 1..<Swift.max(n, 1) {
                        let v = base[k * inner]
                        if v > best || (v.isNaN && !best.isNaN) {
                            best = v
                            bi = k
                        }
                    }
                    dst[oi] = best
                    ix[oi] = bi
                }
            }
        }
        return (out, idx)
    }

    /// Maximum along `axis`. The gradient goes to the first maximal element.
    public func max(axis: Int, keepdims: Bool = false) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "max")
        guard shape[a] > 0 else { throw TensorError("max", "axis \(axis) of shape \(describe(shape)) is empty") }
        let (values, indices) = maxKernel(axis: a)
        let y = Tensor(shape: reducedShape([a], keepdims: keepdims), storage: values.storage)
        let inShape = shape
        let (_, n, inner) = split(around: a)
        return Tensor.record(y, op: "max", inputs: [self]) { g in
            let gx = try Tensor.zeros(inShape)
            let gp = g.storage.pointer
            let dp = gx.storage.pointer
            for (oi, k) in indices.enumerated() {
                let o = oi / inner
                let j = oi % inner
                dp[o * n * inner + k * inner + j] = gp[oi]
            }
            return [gx]
        }
    }

    /// Maximum of all elements, as a scalar tensor.
    public func max() throws -> Tensor {
        guard count > 0 else { throw TensorError("max", "tensor of shape \(describe(shape)) is empty") }
        return try reshaped([count]).max(axis: 0)
    }

    /// Index of the first maximum along `axis`, as float values (exact integers).
    public func argmax(axis: Int, keepdims: Bool = false) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "argmax")
        guard shape[a] > 0 else { throw TensorError("argmax", "axis \(axis) of shape \(describe(shape)) is empty") }
        let indices = maxKernel(axis: a).indices
        return try Tensor(shape: reducedShape([a], keepdims: keepdims), scalars: indices.map(Float.init))
    }

    /// Variance over `axes` (all when nil); `unbiased` divides by `n - 1` as PyTorch's default.
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepdims: Bool = false) throws -> Tensor {
        let ax = try reductionAxes(axes, op: "var")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centered = try self - mean(axes: ax, keepdims: true)
        let denom = Float(Swift.max(unbiased ? n - 1 : n, 0))
        return try (centered * centered).sum(axes: ax, keepdims: keepdims) / denom
    }

    /// `log(sum(exp(x)))` over `axes` (all when nil), computed stably.
    public func logsumexp(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let ax = try reductionAxes(axes, op: "logsumexp")
        var m = detached()
        for a in ax.reversed() {
            guard shape[a] > 0 else { throw TensorError("logsumexp", "axis \(a) of shape \(describe(shape)) is empty") }
            m = m.maxKernel(axis: a).values
        }
        m = m.map { $0.isFinite ? $0 : 0 }
        let s = try (self - m).exp().sum(axes: ax, keepdims: true).log() + m
        return keepdims ? s : try s.reshaped(reducedShape(ax, keepdims: false))
    }
}
