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
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, running: inout BatchNormStatistics,
        momentum: Float = 0.1, eps: Float = 1e-5
    ) throws -> Tensor {
        let (y, mean, variance, m) = try batchNormTraining(x, weight: weight, bias: bias, eps: eps)
        let c = x.shape[1]
        guard running.mean.shape == [c], running.variance.shape == [c] else {
            throw TensorError("batch_norm", "running statistics of shape \(describe(running.mean.shape)) for \(c) channels")
        }
        let unbias = Float(m) / Float(m - 1)
        var rm = running.mean.detached(), rv = running.variance.detached()
        rm.withUnsafeMutableBufferPointer { p in for i in 0..<c { p[i] = (1 - momentum) * p[i] + momentum * mean[i] } }
        rv.withUnsafeMutableBufferPointer { p in for i in 0..<c { p[i] = (1 - momentum) * p[i] + momentum * variance[i] * unbias } }
        running = BatchNormStatistics(mean: rm, variance: rv)
        return y
    }

    /// Training-mode batch norm that keeps no running statistics.
    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try batchNormTraining(x, weight: weight, bias: bias, eps: eps).y
    }

    /// Eval-mode batch norm: normalises with `running` statistics.
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, running: BatchNormStatistics, eps: Float = 1e-5
    ) throws -> Tensor {
        let c = try checkBatchNorm(x, weight: weight, bias: bias)
        guard running.mean.shape == [c], running.variance.shape == [c] else {
            throw TensorError("batch_norm", "running statistics of shape \(describe(running.mean.shape)) for \(c) channels")
        }
        let mean = running.mean.scalars
        let invstd = running.variance.scalars.map { 1 / ($0 + eps).squareRoot() }
        let y = normalize(x, mean: mean, invstd: invstd, weight: weight, bias: bias)
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return record(y, op: "batch_norm", inputs: inputs) { g in
            let (sumDy, sumDyXhat) = channelSums(x, g, mean: mean, invstd: invstd)
            var gx: Tensor? = nil
            if x.requiresGrad {
                let scale = (0..<c).map { invstd[$0] * (weight?.storage.pointer[$0] ?? 1) }
                gx = scaleShift(g, scale: scale, shift: [Float](repeating: 0, count: c))
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
        _ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float
    ) throws -> (y: Tensor, mean: [Float], variance: [Float], m: Int) {
        let c = try checkBatchNorm(x, weight: weight, bias: bias)
        let m = x.count / Swift.max(c, 1)
        guard m > 1 else {
            throw TensorError("batch_norm", "training needs more than 1 value per channel, input is \(describe(x.shape))")
        }
        let (mean, variance) = channelMoments(x)
        let invstd = variance.map { 1 / ($0 + eps).squareRoot() }
        let y = normalize(x, mean: mean, invstd: invstd, weight: weight, bias: bias)
        let inputs = [x] + [weight, bias].compactMap { $0 }
        let result = record(y, op: "batch_norm", inputs: inputs) { g in
            let (sumDy, sumDyXhat) = channelSums(x, g, mean: mean, invstd: invstd)
            var gx: Tensor? = nil
            if x.requiresGrad {
                let px = x.storage.pointer
                let k = Float(m)
                let out = Tensor(uninitializedShape: x.shape)
                let inner = x.count / (x.shape[0] * c)
                let pg = g.storage.pointer, pd = out.storage.pointer
                Threads.parallelFor(c) { r in
                    for ch in r {
                        let gamma = weight?.storage.pointer[ch] ?? 1
                        let a = gamma * invstd[ch] / k
                        let sdy = sumDy[ch], sdx = sumDyXhat[ch], mu = mean[ch], s = invstd[ch]
                        for n in 0..<x.shape[0] {
                            let base = (n * c + ch) * inner
                            for j in 0..<inner {
                                let xhat = (px[base + j] - mu) * s
                                pd[base + j] = a * (k * pg[base + j] - sdy - xhat * sdx)
                            }
                        }
                    }
                }
                gx = out
            }
            return [gx] + affineGrads(weight: weight, bias: bias, sumDy: sumDy, sumDyXhat: sumDyXhat)
        }
        return (result, mean, variance, m)
    }

    /// Per-channel mean and biased variance: each plane summed with 8-wide SIMD
    /// accumulators (a fixed order, so deterministic), planes added in double precision.
    private static func channelMoments(_ x: Tensor) -> ([Float], [Float]) {
        let n = x.shape[0], c = x.shape[1], inner = x.count / Swift.max(n * c, 1)
        var mean = [Float](repeating: 0, count: c), variance = mean
        let px = x.storage.pointer
        mean.withUnsafeMutableBufferPointer { mp in
            variance.withUnsafeMutableBufferPointer { vp in
                let mptr = mp.baseAddress!, vptr = vp.baseAddress!
                Threads.parallelFor(c) { r in
                    for ch in r {
                        var s = 0.0
                        for i in 0..<n { s += Double(simdSum(px + (i * c + ch) * inner, inner)) }
                        let mu = Float(s / Double(n * inner))
                        var q = 0.0
                        for i in 0..<n { q += Double(simdSquaredDeviation(px + (i * c + ch) * inner, inner, mu)) }
                        mptr[ch] = mu
                        vptr[ch] = Float(q / Double(n * inner))
                    }
                }
            }
        }
        return (mean, variance)
    }

    /// `(x - mean) * invstd * weight + bias`, per channel (no autograd).
    private static func normalize(_ x: Tensor, mean: [Float], invstd: [Float], weight: Tensor?, bias: Tensor?) -> Tensor {
        let c = x.shape[1]
        let scale = (0..<c).map { invstd[$0] * (weight?.storage.pointer[$0] ?? 1) }
        let shift = (0..<c).map { (bias?.storage.pointer[$0] ?? 0) - mean[$0] * scale[$0] }
        return scaleShift(x, scale: scale, shift: shift)
    }

    /// `x * scale[c] + shift[c]` for every element of channel `c` of `[N, C, ...]`.
    private static func scaleShift(_ t: Tensor, scale: [Float], shift: [Float]) -> Tensor {
        let n = t.shape[0], c = t.shape[1], inner = t.count / Swift.max(n * c, 1)
        let out = Tensor(uninitializedShape: t.shape)
        let src = t.storage.pointer, dst = out.storage.pointer
        scale.withUnsafeBufferPointer { sc in
            shift.withUnsafeBufferPointer { sh in
                let scp = sc.baseAddress!, shp = sh.baseAddress!
                Threads.parallelFor(n * c, minChunk: Swift.max(1, elementwiseGrain / Swift.max(inner, 1))) { r in
                    for plane in r {
                        let a = scp[plane % c], b = shp[plane % c]
                        let x = src + plane * inner, y = dst + plane * inner
                        for j in 0..<inner { y[j] = x[j] * a + b }
                    }
                }
            }
        }
        return out
    }

    /// Per-channel `sum(dy)` and `sum(dy * xhat)` (SIMD within planes, double across).
    private static func channelSums(_ x: Tensor, _ g: Tensor, mean: [Float], invstd: [Float]) -> ([Float], [Float]) {
        let n = x.shape[0], c = x.shape[1], inner = x.count / Swift.max(n * c, 1)
        var sumDy = [Float](repeating: 0, count: c), sumDyXhat = sumDy
        let px = x.storage.pointer, pg = g.storage.pointer
        sumDy.withUnsafeMutableBufferPointer { a in
            sumDyXhat.withUnsafeMutableBufferPointer { b in
                let pa = a.baseAddress!, pb = b.baseAddress!
                Threads.parallelFor(c) { r in
                    for ch in r {
                        var s1 = 0.0, s2 = 0.0
                        for i in 0..<n {
                            let base = (i * c + ch) * inner
                            let (d, dx) = simdSumAndDot(pg + base, px + base, inner, mean[ch])
                            s1 += Double(d)
                            s2 += Double(dx)
                        }
                        pa[ch] = Float(s1)
                        pb[ch] = Float(s2 * Double(invstd[ch]))
                    }
                }
            }
        }
        return (sumDy, sumDyXhat)
    }

    private static func affineGrads(weight: Tensor?, bias: Tensor?, sumDy: [Float], sumDyXhat: [Float]) -> [Tensor?] {
        var out: [Tensor?] = []
        if let weight { out.append(weight.requiresGrad ? Tensor(sumDyXhat) : nil) }
        if let bias { out.append(bias.requiresGrad ? Tensor(sumDy) : nil) }
        return out
    }
}

/// Sum of `n` floats with eight SIMD lanes, then the tail.
@inline(__always)
func simdSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// `sum((p[i] - mu)^2)` with eight SIMD lanes.
@inline(__always)
func simdSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
    var acc = SIMD8<Float>()
    let m = SIMD8<Float>(repeating: mu)
    var i = 0
    while i + 8 <= n {
        let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - m
        acc += d * d
        i += 8
    }
    var s = acc.sum()
    while i < n { let d = p[i] - mu; s += d * d; i += 1 }
    return s
}

/// `(sum(g), sum(g * (x - mu)))` with eight SIMD lanes.
@inline(__always)
func simdSumAndDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> (Float, Float) {
    var a1 = SIMD8<Float>(), a2 = SIMD8<Float>()
    let m = SIMD8<Float>(repeating: mu)
    var i = 0
    while i + 8 <= n {
        let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        a1 += gv
        a2 += gv * (xv - m)
        i += 8
    }
    var s1 = a1.sum(), s2 = a2.sum()
    while i < n { s1 += g[i]; s2 += g[i] * (x[i] - mu); i += 1 }
    return (s1, s2)
}
