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
    /// by ReLU, fused: one pass less over the activations forward and backward). With
    /// `residual` (of `x`'s shape), it is added before the ReLU in the same pass: a residual
    /// block's `relu(bn(x) + identity)`.
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, running: inout BatchNormStatistics,
        momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false, residual: Tensor? = nil
    ) throws -> Tensor {
        let (y, mean, variance, m) = try batchNormTraining(
            x, weight: weight, bias: bias, eps: eps, relu: relu, residual: residual)
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
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5, relu: Bool = false, residual: Tensor? = nil
    ) throws -> Tensor {
        try batchNormTraining(x, weight: weight, bias: bias, eps: eps, relu: relu, residual: residual).y
    }

    /// Eval-mode batch norm: normalises with `running` statistics (then adds `residual` and
    /// applies ReLU, as the training-mode form).
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, running: BatchNormStatistics, eps: Float = 1e-5,
        relu: Bool = false,
        residual: Tensor? = nil
    ) throws -> Tensor {
        let c = try checkBatchNorm(x, weight: weight, bias: bias, residual: residual)
        guard running.mean.shape == [c], running.variance.shape == [c] else {
            throw TensorError(
                "batch_norm", "running statistics of shape \(describe(running.mean.shape)) for \(c) channels")
        }
        let mean = running.mean.scalars
        let invstd = running.variance.scalars.map { 1 / ($0 + eps).squareRoot() }
        let y = normalize(x, mean: mean, invstd: invstd, weight: weight, bias: bias, relu: relu, residual: residual)
        let inputs = [x] + [weight, bias, residual].compactMap { $0 }
        return record(y, op: "batch_norm", inputs: inputs) { g in
            let (o, gr) = gradientOperands(x, g, y: y, relu: relu, residual: residual)
            let (sumDy, sumDyXhat) = channelSums(o, mean: mean, invstd: invstd)
            var gx: Tensor? = nil
            if x.requiresGrad {
                let scale = (0..<c).map { invstd[$0] * (weight?.storage.pointer[$0] ?? 1) }
                let zero = [Float](repeating: 0, count: c)
                gx = inputGradient(o, mean: mean, a: scale, b: zero, d: zero)
            }
            return [gx] + affineGrads(weight: weight, bias: bias, sumDy: sumDy, sumDyXhat: sumDyXhat)
                + (residual.map { [$0.requiresGrad ? gr : nil] } ?? [])
        }
    }

    /// Validates shapes and returns the channel count.
    private static func checkBatchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, residual: Tensor?) throws -> Int {
        guard x.rank >= 2, x.rank <= 4 else {
            throw TensorError("batch_norm", "input must be [N, C], [N, C, L] or [N, C, H, W], got \(describe(x.shape))")
        }
        if let residual, residual.shape != x.shape {
            throw TensorError(
                "batch_norm", "residual of shape \(describe(residual.shape)) for an input of \(describe(x.shape))")
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
        _ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float, relu: Bool, residual: Tensor?
    ) throws -> (y: Tensor, mean: [Float], variance: [Float], m: Int) {
        let c = try checkBatchNorm(x, weight: weight, bias: bias, residual: residual)
        let m = x.count / Swift.max(c, 1)
        guard m > 1 else {
            throw TensorError(
                "batch_norm", "training needs more than 1 value per channel, input is \(describe(x.shape))")
        }
        let (mean, variance) = channelMoments(x)
        let invstd = variance.map { 1 / ($0 + eps).squareRoot() }
        let y = normalize(x, mean: mean, invstd: invstd, weight: weight, bias: bias, relu: relu, residual: residual)
        let inputs = [x] + [weight, bias, residual].compactMap { $0 }
        let result = record(y, op: "batch_norm", inputs: inputs) { g in
            let (o, gr) = gradientOperands(x, g, y: y, relu: relu, residual: residual)
            let (sumDy, sumDyXhat) = channelSums(o, mean: mean, invstd: invstd)
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
                gx = inputGradient(o, mean: mean, a: a, b: b, d: d)
            }
            return [gx] + affineGrads(weight: weight, bias: bias, sumDy: sumDy, sumDyXhat: sumDyXhat)
                + (residual.map { [$0.requiresGrad ? gr : nil] } ?? [])
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
                ChannelKernels(shape: x.shape, blocking: x.blocking).moments(
                    x.rawStorage.pointer, mean: mp.baseAddress!, variance: vp.baseAddress!)
            }
        }
        return (mean, variance)
    }

    /// `(x - mean) * invstd * weight + bias`, per channel, plus `residual`, then ReLU with `relu` (no
    /// autograd). In `x`'s layout when `residual` shares it, else row-major.
    private static func normalize(
        _ x: Tensor, mean: [Float], invstd: [Float], weight: Tensor?, bias: Tensor?, relu: Bool, residual: Tensor?
    ) -> Tensor {
        let c = x.shape[1]
        let scale = (0..<c).map { invstd[$0] * (weight?.storage.pointer[$0] ?? 1) }
        let shift = (0..<c).map { (bias?.storage.pointer[$0] ?? 0) - mean[$0] * scale[$0] }
        let layout = x.blocking(sharedWith: residual.map { [$0] } ?? [])
        let out = Tensor(uninitializedShape: x.shape, blocking: layout)
        ChannelKernels(shape: x.shape, blocking: layout).scaleShift(
            x.elements(in: layout), scale: scale, shift: shift,
            adding: residual.map { UnsafePointer($0.elements(in: layout)) },
            relu: relu, into: out.rawStorage.pointer)
        return out
    }

    /// The operands of the backward kernels, and the gradient of `residual` when there is one: `g` masked
    /// by the fused ReLU's output `y` once, here, since both the normalisation and the residual need it.
    private static func gradientOperands(_ x: Tensor, _ g: Tensor, y: Tensor, relu: Bool, residual: Tensor?) -> (
        BatchNormGradientOperands, Tensor?
    ) {
        guard residual != nil else { return (BatchNormGradientOperands(x, g, relu ? y : nil), nil) }
        let masked = relu ? g.maskedWherePositive(y) : g
        return (BatchNormGradientOperands(x, masked, nil), masked)
    }

    /// `a[c] * g' + b[c] * (x - mean[c]) + d[c]` where `g'` is `g` masked by a fused ReLU's output.
    private static func inputGradient(
        _ o: BatchNormGradientOperands, mean: [Float], a: [Float], b: [Float], d: [Float]
    ) -> Tensor {
        let out = Tensor(uninitializedShape: o.shape, blocking: o.blocking)
        o.kernels.inputGradient(o.x, o.g, mask: o.mask, mean: mean, a: a, b: b, d: d, into: out.rawStorage.pointer)
        return out
    }

    /// Per-channel `sum(dy)` and `sum(dy * xhat)`, `dy` masked by a fused ReLU's output.
    private static func channelSums(_ o: BatchNormGradientOperands, mean: [Float], invstd: [Float]) -> (
        [Float], [Float]
    ) {
        let c = o.shape[1]
        var sumDy = [Float](repeating: 0, count: c)
        var dot = [Double](repeating: 0, count: c)
        sumDy.withUnsafeMutableBufferPointer { a in
            dot.withUnsafeMutableBufferPointer { b in
                o.kernels.gradientSums(
                    o.x, o.g, mask: o.mask, mean: mean, sumG: a.baseAddress!, sumGX: b.baseAddress!)
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

/// The input, output gradient and (with a fused ReLU) output of a batch norm in one layout: the input's
/// when the gradient shares it, else row-major. The tensors are kept so that the pointers stay valid.
private struct BatchNormGradientOperands {
    let tensors: [Tensor]
    let x: UnsafePointer<Float>, g: UnsafePointer<Float>, mask: UnsafePointer<Float>?
    let shape: [Int]
    let blocking: Int
    var kernels: ChannelKernels { ChannelKernels(shape: shape, blocking: blocking) }

    init(_ x: Tensor, _ g: Tensor, _ y: Tensor?) {
        let others = [g] + (y.map { [$0] } ?? [])
        (tensors, shape) = ([x] + others, x.shape)
        let layout = x.blocking(sharedWith: others)
        blocking = layout
        func data(_ t: Tensor) -> UnsafePointer<Float> { UnsafePointer(t.elements(in: layout)) }
        (self.x, self.g, mask) = (data(x), data(g), y.map(data))
    }
}
