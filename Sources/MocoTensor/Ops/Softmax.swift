import Foundation

extension Tensor {
    /// Softmax or log-softmax along `axis` (no autograd).
    private func softmaxKernel(axis: Int, log: Bool) -> Tensor {
        let (outer, n, inner) = split(around: axis)
        if inner == 1 { return softmaxRows(rows: outer, length: n, log: log) }
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer
        let dst = out.storage.pointer
        Threads.parallelFor(outer * inner, minChunk: Swift.max(1, 4096 / Swift.max(n, 1))) { r in
            for oi in r {
                let o = oi / inner
                let j = oi % inner
                let x = src + o * n * inner + j
                let y = dst + o * n * inner + j
                var m = -Float.infinity
                for k in 0..<n { m = Swift.max(m, x[k * inner]) }
                if !m.isFinite { m = 0 }
                var s: Float = 0
                for k in 0..<n { s += Foundation.exp(x[k * inner] - m) }
                if log {
                    let ls = Foundation.log(s) + m
                    for k in 0..<n { y[k * inner] = x[k * inner] - ls }
                } else {
                    let inv = 1 / s
                    for k in 0..<n { y[k * inner] = Foundation.exp(x[k * inner] - m) * inv }
                }
            }
        }
        return out
    }

    /// Softmax or log-softmax of each contiguous row (the last axis), vectorised: the row's
    /// maximum, `e^(x - max)` written to the output and summed in 16 lanes, then scaled
    /// (softmax) or replaced by `x - max - log(sum)` (log-softmax).
    /// With `logNormalizers`, each row's `max + log(sum)` is stored there too.
    private func softmaxRows(rows: Int, length n: Int, log: Bool, logNormalizers: UnsafeMutablePointer<Float>? = nil)
        -> Tensor
    {
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer
        let dst = out.storage.pointer
        Threads.parallelFor(rows, minChunk: Swift.max(1, 4096 / Swift.max(n, 1))) { r in
            for row in r {
                let x = src + row * n
                let y = dst + row * n
                let m = Lanes.maximum(x, n)
                let shift = m.isFinite ? m : 0
                Lanes.map(x, y, 0..<n) { Lanes.exp($0 - shift) }
                let s = Lanes.sum(y, n)
                let logNormalizer = Foundation.log(s) + shift
                logNormalizers?[row] = logNormalizer
                if log {
                    Lanes.map(x, y, 0..<n) { $0 - logNormalizer }
                } else {
                    let inv = 1 / s
                    Lanes.map(y, y, 0..<n) { $0 * inv }
                }
            }
        }
        return out
    }

    /// Softmax along `axis`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "softmax")
        let y = softmaxKernel(axis: a, log: false)
        return Tensor.record(y, op: "softmax", inputs: [self]) { g in
            let gy = g.zipMap(y, *)
            return [try g.broadcastSubtract(gy.sumKernel(axis: a)).zipMap(y, *)]
        }
    }

    /// Log-softmax along `axis`.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "log_softmax")
        let y = softmaxKernel(axis: a, log: true)
        return Tensor.record(y, op: "log_softmax", inputs: [self]) { g in
            let p = y.exponentiated()
            let s = g.sumKernel(axis: a)
            return [try Tensor.broadcastMap(p, s, op: "log_softmax", *).zipMap(g) { $1 - $0 }]
        }
    }

    /// `self - other` broadcast (no autograd).
    private func broadcastSubtract(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "softmax", -)
    }

    /// Mean cross-entropy of `logits` `[N, C]` against integer class `labels` (N of
    /// them), as `torch.nn.functional.cross_entropy` with mean reduction.
    public static func crossEntropy(_ logits: Tensor, labels: [Int]) throws -> Tensor {
        guard logits.rank == 2 else {
            throw TensorError("cross_entropy", "logits must be [N, C], got \(describe(logits.shape))")
        }
        let n = logits.shape[0]
        let c = logits.shape[1]
        guard labels.count == n, n > 0 else {
            throw TensorError("cross_entropy", "\(labels.count) labels for logits of shape \(describe(logits.shape))")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= c }) {
            throw TensorError("cross_entropy", "label \(bad) is out of range for \(c) classes")
        }
        // Softmax rows once; the loss is log-sum-exp minus the label's logit and the gradient is
        // (p - onehot) / N, so the backward pass needs no second exponential.
        var lse = [Float](repeating: 0, count: n)
        let p = lse.withUnsafeMutableBufferPointer {
            logits.detached().softmaxRows(rows: n, length: c, log: false, logNormalizers: $0.baseAddress)
        }
        let x = logits.storage.pointer
        var total: Double = 0
        for i in 0..<n { total += Double(lse[i] - x[i * c + labels[i]]) }
        let loss = Tensor(Float(total / Double(n)))
        return record(loss, op: "cross_entropy", inputs: [logits]) { g in
            let scale = g.storage.pointer[0] / Float(n)
            let gx = p.scaled(by: scale)
            for i in 0..<n { gx.storage.pointer[i * c + labels[i]] -= scale }
            return [gx]
        }
    }

    /// Divides by the L2 norm along `axis`, as `torch.nn.functional.normalize`:
    /// `x / max(||x||, eps)`.
    public func l2Normalized(axis: Int = -1, eps: Float = 1e-12) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "normalize")
        let norm = try (self * self).sum(axes: [a], keepdims: true).sqrt().clamp(min: eps)
        return try self / norm
    }
}
