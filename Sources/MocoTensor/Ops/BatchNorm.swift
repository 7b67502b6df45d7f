import Foundation

/// Running mean and variance of a batch-norm layer, updated by training-mode
/// `batchNorm` and used in eval mode (PyTorch's `running_mean` / `running_var` buffers).
public struct BatchNormStatistics: Equatable {
    public var mean: Tensor
    public var variance: Tensor

    /// Fresh statistics for `channels`: mean 0, variance 1.
    public init(channels: Int) throws {
        mean = try Tensor.zeros([channels])
        variance = try Tensor.ones([channels])
    }

    public init(mean: Tensor, variance: Tensor) {
        self.mean = mean
        self.variance = variance
    }

    public static func == (a: BatchNormStatistics, b: BatchNormStatistics) -> Bool {
        a.mean.shape == b.mean.shape && a.mean.scalars == b.mean.scalars && a.variance.scalars == b.variance.scalars
    }
}

extension Tensor {
    /// Training-mode batch norm as `torch.nn.functional.batch_norm(training=True)`:
    /// normalises each channel of `x` (`[N, C]`, `[N, C, L]` or `[N, C, H, W]`) with the
    /// batch's statistics, and updates `running` with `momentum` (unbiased variance).
    /// With `relu`, the result is `max(y, 0)` computed in the same pass (batch norm followed
    /// by ReLU, fused: one pass less over the activations forward and backward).
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, running: inout BatchNormStatistics,
        momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false
    ) throws -> Tensor {
        let (y, mean, variance, m) = try batchNormTraining(x, weight: weight, bias: bias, eps: eps, relu: relu)
        let c = x.shape[1]
        guard running.mean.shape == [c], running.variance.shape == [c] else {
            throw TensorError(
                "batch_norm", "running statistics of shape \(describe(running.mean.shape)) for \(c) channels")
        }
        let unbias = Float(m) / Float(m - 1)
        var rm = running.mean.detached()
        var rv = running.variance.detached()
        rm.withUnsafeMutableBufferPointer { p in for i in 0..<c { p[i] = (1 - momentum) * p[i] + momentum * mean[i] } }
        rv.withUnsafeMutableBufferPointer { p in
            for i in 0..<c { p[i] = (1 - momentum) * p[i] + momentum * variance[i] * unbias }
        }
        running = BatchNormStatistics(mean: rm, variance: rv)
        return y
    }

    /// Training-mode batch norm that keeps no running statistics.
    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5, relu: Bool = false)
        throws -> Tensor
    {
        try batchNormTraining(x, weight: weight, bias: bias, eps: eps, relu: relu).y
    }

    /// Eval-mode batch norm: normalises with `running` statistics (then ReLU with `relu`).
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, running: BatchNormStatistics, eps: Float = 1e-5, relu: Bool = false
    ) throws -> Tensor {
        let c = try checkBatchNorm(x, weight: weight, bias: bias)
        guard running.mean.shape == [c], running.variance.shape == [c] else {
            throw TensorError(
                "batch_norm", "running statistics of shape \(describe(running.mean.shape)) for \(c) channels")
        }
        let mean = running.mean.scalars
        let invstd = running.variance.scalars.map { 1 / ($0 + eps).squareRoot() }
        let y = normalize(x, mean: mean, invstd: invstd, weight: weight, bias: bias, relu: relu)
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return record(y, op: "batch_norm", inputs: inputs) { g in
            let mask = relu ? UnsafePointer(y.storage.pointer) : nil
            let (sumDy, sumDyXhat) = channelSums(x, g, mask: mask, mean: mean, invstd: invstd)
            var gx: Tensor? = nil
            if x.requiresGrad {
                let scale = (0..<c).map { invstd[$0] * (weight?.storage.pointer[$0] ?? 1) }
                let zero = [Float](repeating: 0, count: c)
                gx = inputGradient(x, g, mask: mask, mean: mean, a: scale, b: zero, d: zero)
            }
            return [gx] + affineGrads(weight: weight, bias: bias, sumDy: sumDy, sumDyXhat: sumDyXhat)
        }
    }

    /// Validates shapes and returns the channel count.
    private static func checkBatchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?) throws -> Int {
        guard x.rank >= 2, x.rank <= 4 else {
            throw TensorError("batch_norm", "input must be [N, C], [N, C, L] or [N, C, H, W], got \(describe(x.shape))")
        }
        let c = x.shape[1]
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t, t.shape != [c] {
                throw TensorError("batch_norm", "\(name) of shape \(describe(t.shape)) for \(c) channels")
            }
        }
        return c
    }

    private static func batchNormTraining(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float, relu: Bool
    ) throws -> (y: Tensor, mean: [Float], variance: [Float], m: Int) {
        let c = try checkBatchNorm(x, weight: weight, bias: bias)
        let m = x.count / Swift.max(c, 1)
        guard m > 1 else {
            throw TensorError(
                "batch_norm", "training needs more than 1 value per channel, input is \(describe(x.shape))")
        }
        let (mean, variance) = channelMoments(x)
        let invstd = variance.map { 1 / ($0 + eps).squareRoot() }
        let y = normalize(x, mean: mean, invstd: invstd, weight: weight, bias: bias, relu: relu)
        let inputs = [x] + [weight, bias].compactMap { $0 }
        let result = record(y, op: "batch_norm", inputs: inputs) { g in
            let mask = relu ? UnsafePointer(y.storage.pointer) : nil
            let (sumDy, sumDyXhat) = channelSums(x, g, mask: mask, mean: mean, invstd: invstd)
            var gx: Tensor? = nil
            if x.requiresGrad {
                // dx = gamma * invstd / m * (m * g - sum(g) - xhat * sum(g * xhat))
                let k = Float(m)
                var a = [Float](repeating: 0, count: c)
                var b = a
                var d = a
                for ch in 0..<c {
                    let scale = (weight?.storage.pointer[ch] ?? 1) * invstd[ch] / k
                    a[ch] = scale * k
                    b[ch] = -scale * sumDyXhat[ch] * invstd[ch]
                    d[ch] = -scale * sumDy[ch]
                }
                gx = inputGradient(x, g, mask: mask, mean: mean, a: a, b: b, d: d)
            }
            return [gx] + affineGrads(weight: weight, bias: bias, sumDy: sumDy, sumDyXhat: sumDyXhat)
        }
        return (result, mean, variance, m)
    }

    /// Per-channel mean and biased variance.
    private static func channelMoments(_ x: Tensor) -> ([Float], [Float]) {
        let c = x.shape[1]
        var mean = [Float](repeating: 0, count: c)
        var variance = mean
        mean.withUnsafeMutableBufferPointer { mp in
            variance.withUnsafeMutableBufferPointer { vp in
                ChannelKernels(shape: x.shape).moments(
                    x.storage.pointer, mean: mp.baseAddress!, variance: vp.baseAddress!)
            }
        }
        return (mean, variance)
    }

    /// `(x - mean) * invstd * weight + bias`, per channel, then ReLU with `relu` (no autograd).
    private static func normalize(
        _ x: Tensor, mean: [Float], invstd: [Float], weight: Tensor?, bias: Tensor?, relu: Bool
    ) -> Tensor {
        let c = x.shape[1]
        let scale = (0..<c).map { invstd[$0] * (weight?.storage.pointer[$0] ?? 1) }
        let shift = (0..<c).map { (bias?.storage.pointer[$0] ?? 0) - mean[$0] * scale[$0] }
        let out = Tensor(uninitializedShape: x.shape)
        ChannelKernels(shape: x.shape).scaleShift(
            x.storage.pointer, scale: scale, shift: shift, relu: relu, into: out.storage.pointer)
        return out
    }

    /// `a[c] * g' + b[c] * (x - mean[c]) + d[c]` where `g'` is `g` masked by a fused ReLU's output.
    private static func inputGradient(
        _ x: Tensor, _ g: Tensor, mask: UnsafePointer<Float>?, mean: [Float],
        a: [Float], b: [Float], d: [Float]
    ) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape)
        ChannelKernels(shape: x.shape).inputGradient(
            x.storage.pointer, g.storage.pointer, mask: mask, mean: mean, a: a, b: b, d: d,
            into: out.storage.pointer)
        return out
    }

    /// Per-channel `sum(dy)` and `sum(dy * xhat)`, `dy` masked by a fused ReLU's output.
    private static func channelSums(
        _ x: Tensor, _ g: Tensor, mask: UnsafePointer<Float>?, mean: [Float], invstd: [Float]
    ) -> ([Float], [Float]) {
        let c = x.shape[1]
        var sumDy = [Float](repeating: 0, count: c)
        var dot = [Double](repeating: 0, count: c)
        sumDy.withUnsafeMutableBufferPointer { a in
            dot.withUnsafeMutableBufferPointer { b in
                ChannelKernels(shape: x.shape).gradientSums(
                    x.storage.pointer, g.storage.pointer, mask: mask, mean: mean,
                    sumG: a.baseAddress!, sumGX: b.baseAddress!)
            }
        }
        return (sumDy, (0..<c).map { Float(dot[$0] * Double(invstd[$0])) })
    }

    private static func affineGrads(weight: Tensor?, bias: Tensor?, sumDy: [Float], sumDyXhat: [Float]) -> [Tensor?] {
        var out: [Tensor?] = []
        if let weight { out.append(weight.requiresGrad ? Tensor(sumDyXhat) : nil) }
        if let bias { out.append(bias.requiresGrad ? Tensor(sumDy) : nil) }
        return out
    }
}
