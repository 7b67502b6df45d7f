extension Tensor {
    /// Matrix product with PyTorch's `matmul` semantics: 2-D x 2-D, batched N-D with
    /// broadcast batch dimensions, and 1-D operands treated as a row (left) or a
    /// column (right) vector that is removed from the result.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard rank >= 1, other.rank >= 1 else {
            throw TensorError(
                "matmul", "\(describe(shape)) x \(describe(other.shape)): scalars cannot be multiplied as matrices")
        }
        if rank == 1 {
            return try unsqueezed(0).matmul(other).squeezed(-2)
        }
        if other.rank == 1 {
            return try matmul(other.unsqueezed(1)).squeezed(-1)
        }
        let k1 = shape[rank - 1]
        let k2 = other.shape[other.rank - 2]
        guard k1 == k2 else {
            throw TensorError(
                "matmul", "\(describe(shape)) x \(describe(other.shape)): inner dimensions \(k1) and \(k2) differ")
        }
        let a = self
        let b = other
        let y = try Tensor.matmulKernel(a, b, transA: false, transB: false, op: "matmul")
        return Tensor.record(y, op: "matmul", inputs: [a, b]) { g in
            [
                a.requiresGrad
                    ? try Tensor.matmulKernel(g, b, transA: false, transB: true, op: "matmul").sumToShape(a.shape)
                    : nil,
                b.requiresGrad
                    ? try Tensor.matmulKernel(a, g, transA: true, transB: false, op: "matmul").sumToShape(b.shape) : nil
            ]
        }
    }

    /// Batched GEMM of `op(a)` and `op(b)`, each of rank >= 2, batch dimensions
    /// broadcast (no autograd).
    static func matmulKernel(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool, op: String) throws -> Tensor {
        let ar = a.rank
        let br = b.rank
        let m = transA ? a.shape[ar - 1] : a.shape[ar - 2]
        let k = transA ? a.shape[ar - 2] : a.shape[ar - 1]
        let n = transB ? b.shape[br - 2] : b.shape[br - 1]
        let aBatch = Array(a.shape.dropLast(2))
        let bBatch = Array(b.shape.dropLast(2))
        let batch = try broadcastShape(aBatch, bBatch, op: op)
        let out = Tensor(uninitializedShape: batch + [m, n])
        let batches = batch.reduce(1, *)
        let sa = broadcastStrides(aBatch, rank: batch.count)
        let sb = broadcastStrides(bBatch, rank: batch.count)
        let pa = a.storage.pointer
        let pb = b.storage.pointer
        let pc = out.storage.pointer
        for i in 0..<batches {
            var rem = i
            var ia = 0
            var ib = 0
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                let x = rem % batch[d]
                rem /= batch[d]
                ia += x * sa[d]
                ib += x * sb[d]
            }
            sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k,
                pa + ia * m * k, pb + ib * k * n, pc + i * m * n)
        }
        return out
    }

    /// `x W^T + b` for `x` of shape `[..., in]`, `weight` `[out, in]`, `bias` `[out]`,
    /// as `torch.nn.functional.linear`.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard weight.rank == 2, x.rank >= 1, x.shape[x.rank - 1] == weight.shape[1] else {
            throw TensorError(
                "linear",
                "input \(describe(x.shape)) does not fit weight \(describe(weight.shape)) (needs [..., in] and [out, in])"
            )
        }
        let outF = weight.shape[0]
        let inF = weight.shape[1]
        if let bias, bias.shape != [outF] {
            throw TensorError("linear", "bias of shape \(describe(bias.shape)) for \(outF) outputs")
        }
        let rows = x.count / Swift.max(inF, 1)
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outF])
        let py = y.storage.pointer
        if let bias {
            let pb = bias.storage.pointer
            for r in 0..<rows { (py + r * outF).update(from: pb, count: outF) }
        }
        sgemm(
            transA: false, transB: true, m: rows, n: outF, k: inF,
            x.storage.pointer, weight.storage.pointer, beta: bias == nil ? 0 : 1, py)
        let inputs = [x, weight] + (bias.map { [$0] } ?? [])
        return record(y, op: "linear", inputs: inputs) { g in
            let pg = g.storage.pointer
            var gx: Tensor? = nil
            var gw: Tensor? = nil
            var gb: Tensor? = nil
            if x.requiresGrad {
                let t = Tensor(uninitializedShape: x.shape)
                sgemm(
                    transA: false, transB: false, m: rows, n: inF, k: outF, pg, weight.storage.pointer,
                    t.storage.pointer)
                gx = t
            }
            if weight.requiresGrad {
                let t = Tensor(uninitializedShape: weight.shape)
                sgemm(transA: true, transB: false, m: outF, n: inF, k: rows, pg, x.storage.pointer, t.storage.pointer)
                gw = t
            }
            if let bias, bias.requiresGrad {
                gb = try Tensor(shape: [rows, outF], storage: g.storage).sum(axes: [0])
            }
            return [gx, gw, gb]
        }
    }
}
