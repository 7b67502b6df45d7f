extension Tensor {
    /// Rows `indices` along `axis` (repeats allowed); gradients of repeated rows add up.
    public func indexSelect(axis: Int, _ indices: [Int]) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "index_select")
        let n = shape[a]
        if let bad = indices.first(where: { $0 < 0 || $0 >= n }) {
            throw TensorError("index_select", "index \(bad) is out of range for dimension \(axis) of size \(n)")
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = indices.count
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer
        let dst = out.storage.pointer
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                (dst + (o * indices.count + k) * inner).update(from: src + (o * n + i) * inner, count: inner)
            }
        }
        let inShape = shape
        return Tensor.record(out, op: "index_select", inputs: [self]) { g in
            let gx = try Tensor.zeros(inShape)
            let gp = g.storage.pointer
            let dp = gx.storage.pointer
            for o in 0..<outer {
                for (k, i) in indices.enumerated() {
                    let d = dp + (o * n + i) * inner
                    let s = gp + (o * indices.count + k) * inner
                    for j in 0..<inner { d[j] += s[j] }
                }
            }
            return [gx]
        }
    }

    /// `out[..., j, ...] = x[..., index[..., j, ...], ...]` along `axis`, as `torch.gather`:
    /// `index` has this tensor's rank, holds integers, and matches its shape except
    /// along `axis` (where it may be any length).
    public func gather(axis: Int, index: Tensor) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "gather")
        guard index.rank == rank else {
            throw TensorError(
                "gather", "index of shape \(describe(index.shape)) needs rank \(rank) like the input \(describe(shape))"
            )
        }
        for d in 0..<rank where d != a && index.shape[d] != shape[d] {
            throw TensorError(
                "gather",
                "index shape \(describe(index.shape)) differs from input shape \(describe(shape)) outside axis \(axis)")
        }
        let n = shape[a]
        let m = index.shape[a]
        let idx = index.scalars
        var ints = [Int](repeating: 0, count: idx.count)
        for (i, v) in idx.enumerated() {
            guard v == v.rounded(), v >= 0, v < Float(n) else {
                throw TensorError("gather", "index value \(formatScalar(v)) is not an integer in 0..<\(n)")
            }
            ints[i] = Int(v)
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        let out = Tensor(uninitializedShape: index.shape)
        let src = storage.pointer
        let dst = out.storage.pointer
        for o in 0..<outer {
            for k in 0..<m {
                for j in 0..<inner {
                    let q = (o * m + k) * inner + j
                    dst[q] = src[(o * n + ints[q]) * inner + j]
                }
            }
        }
        let inShape = shape
        return Tensor.record(out, op: "gather", inputs: [self]) { g in
            let gx = try Tensor.zeros(inShape)
            let gp = g.storage.pointer
            let dp = gx.storage.pointer
            for o in 0..<outer {
                for k in 0..<m {
                    for j in 0..<inner {
                        let q = (o * m + k) * inner + j
                        dp[(o * n + ints[q]) * inner + j] += gp[q]
                    }
                }
            }
            return [gx]
        }
    }

    /// Rows of the identity: `[labels.count, classes]` with a 1 at each label.
    public static func oneHot(_ labels: [Int], classes: Int) throws -> Tensor {
        guard classes > 0 else { throw TensorError("one_hot", "needs a positive number of classes, got \(classes)") }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw TensorError("one_hot", "label \(bad) is out of range for \(classes) classes")
        }
        let t = try zeros([labels.count, classes])
        for (i, l) in labels.enumerated() { t.storage.pointer[i * classes + l] = 1 }
        return t
    }
}
