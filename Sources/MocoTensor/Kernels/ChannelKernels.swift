/// Per-channel kernels of batch norm over a contiguous `[N, C, inner]` tensor, or an
/// `[N, C, H, W]` one in a channel-blocked layout (`BlockedLayout`).
///
/// Channels are split into blocks whose rows (`block * inner` floats of one sample) fit
/// in L1. Within a block the N rows are combined element by element in 16 SIMD lanes,
/// then each channel's `inner` partial results are added in double precision. A channel's
/// arithmetic never depends on the blocks or the thread count, so results are the same
/// with any number of threads; and small planes (the 2x2 and 4x4 maps of a small convnet
/// under split batch norm) vectorise as well as large ones. A blocked tensor is the same
/// computation over `C / b` groups of `b` interleaved channels, each `inner * b` floats.
struct ChannelKernels {
    /// Samples, channel groups, floats per group and sample, and channels per group (interleaved).
    let n: Int, c: Int, inner: Int, lanes: Int

    init(shape: [Int], blocking: Int = 1) {
        n = shape[0]
        lanes = blocking
        c = shape[1] / blocking
        inner = shape.dropFirst(2).reduce(1, *) * blocking
    }

    /// Floats per block row: small enough for L1 with the per-element coefficients.
    private static let blockFloats = 2048

    /// Runs `body` on blocks of channels, in parallel over channel ranges.
    private func forEachBlock(_ body: (Range<Int>) -> Void) {
        let perChannel = Swift.max(1, n * inner)
        Threads.parallelFor(c, minChunk: Swift.max(1, elementwiseGrain / perChannel)) { r in
            let step = Swift.max(1, Self.blockFloats / Swift.max(inner, 1))
            var lo = r.lowerBound
            while lo < r.upperBound {
                let hi = Swift.min(lo + step, r.upperBound)
                body(lo..<hi)
                lo = hi
            }
        }
    }

    /// Scratch rows for one block: `count` rows of `block * inner` floats.
    private func withRows<R>(_ count: Int, _ block: Range<Int>, _ body: ([UnsafeMutablePointer<Float>]) -> R) -> R {
        let len = block.count * inner
        let base = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, count * len))
        defer { base.deallocate() }
        return body((0..<count).map { base + $0 * len })
    }

    /// `row[(ch - lo) * inner + j] = values[ch * lanes + j % lanes]` for the channel groups of `block`.
    private func expand(_ values: UnsafePointer<Float>, _ block: Range<Int>, into row: UnsafeMutablePointer<Float>) {
        for ch in block {
            let o = row + (ch - block.lowerBound) * inner
            if lanes == 1 {
                let v = values[ch]
                for j in 0..<inner { o[j] = v }
            } else {
                let v = values + ch * lanes
                for p in stride(from: 0, to: inner, by: lanes) { (o + p).update(from: v, count: lanes) }
            }
        }
    }

    /// Start of sample `i`'s row of `block` in a tensor of this layout.
    @inline(__always)
    private func row(_ p: UnsafePointer<Float>, _ i: Int, _ block: Range<Int>) -> UnsafePointer<Float> {
        p + (i * c + block.lowerBound) * inner
    }

    /// `g[j...j+15]`, zeroed where `mask` (a fused ReLU's output) is not positive.
    @inline(__always)
    private func maskedGradient(_ g: UnsafePointer<Float>, _ mask: UnsafePointer<Float>?, _ j: Int) -> Lanes.Vector {
        var v = Lanes.load(g + j)
        if let mask { v.replace(with: 0, where: .!(Lanes.load(mask + j) .> 0)) }
        return v
    }

    /// `g[j]`, or 0 where `mask` is not positive (the scalar twin of `maskedGradient`).
    @inline(__always)
    private func maskedGradient(scalar g: UnsafePointer<Float>, _ mask: UnsafePointer<Float>?, _ j: Int) -> Float {
        mask.map { $0[j] > 0 ? g[j] : 0 } ?? g[j]
    }

    /// The double-precision sum of each channel's partial sums in `acc` (`out(channel, sum)`).
    private func reduce(_ acc: UnsafeMutablePointer<Float>, _ block: Range<Int>, _ out: (Int, Double) -> Void) {
        for ch in block {
            let p = acc + (ch - block.lowerBound) * inner
            for l in 0..<lanes {
                var s = 0.0
                for j in stride(from: l, to: inner, by: lanes) { s += Double(p[j]) }
                out(ch * lanes + l, s)
            }
        }
    }

    /// Per-channel mean and biased variance in one pass over `x`: at each position, the sums over the samples
    /// of `x - k` and `(x - k)²`, where `k` is the first sample's value there (a shift that keeps the float
    /// sums well conditioned), then combined per channel in double precision. One read of `x`, whatever the
    /// size of a block's rows (a blocked layout's rows are `b` times longer than the cache-sized ones).
    func moments(_ x: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let count = Double(n * inner / lanes)
        let samples = Double(n)
        forEachBlock { block in
            withRows(2, block) { rows in
                let (s1, s2) = (rows[0], rows[1])
                let len = block.count * inner
                s1.initialize(repeating: 0, count: len)
                s2.initialize(repeating: 0, count: len)
                let k = row(x, 0, block)
                for i in 1..<Swift.max(n, 1) {
                    let xr = row(x, i, block)
                    Lanes.each(0..<len) { j in
                        let d = Lanes.load(xr + j) - Lanes.load(k + j)
                        Lanes.store(Lanes.load(s1 + j) + d, s1 + j)
                        Lanes.store(Lanes.load(s2 + j) + d * d, s2 + j)
                    } tail: { j in
                        let d = xr[j] - k[j]
                        s1[j] += d
                        s2[j] += d * d
                    }
                }
                for ch in block {
                    let base = (ch - block.lowerBound) * inner
                    for l in 0..<lanes {
                        let positions = stride(from: base + l, to: base + inner, by: lanes)
                        var sum = 0.0
                        for j in positions { sum += Double(s1[j]) + samples * Double(k[j]) }
                        let m = sum / count
                        var squares = 0.0
                        for j in positions {
                            let e = Double(k[j]) - m
                            squares += Double(s2[j]) + 2 * e * Double(s1[j]) + samples * e * e
                        }
                        mean[ch * lanes + l] = Float(m)
                        variance[ch * lanes + l] = Float(Swift.max(squares, 0) / count)
                    }
                }
            }
        }
    }

    /// `y = x * scale[c] + shift[c]`, plus `adding` (same layout) when given, then `max(y, 0)` when `relu`
    /// (NaN stays NaN).
    func scaleShift(
        _ x: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        adding residual: UnsafePointer<Float>?, relu: Bool, into y: UnsafeMutablePointer<Float>
    ) {
        forEachBlock { block in
            withRows(2, block) { rows in
                let a = rows[0]
                let b = rows[1]
                let len = block.count * inner
                expand(scale, block, into: a)
                expand(shift, block, into: b)
                for i in 0..<n {
                    let xr = row(x, i, block)
                    let rr = residual.map { row($0, i, block) }
                    let yr = y + (i * c + block.lowerBound) * inner
                    Lanes.each(0..<len) { j in
                        var v = Lanes.load(xr + j) * Lanes.load(a + j) + Lanes.load(b + j)
                        if let rr { v = v + Lanes.load(rr + j) }
                        if relu { v.replace(with: 0, where: v .< 0) }
                        Lanes.store(v, yr + j)
                    } tail: { j in
                        var v = xr[j] * a[j] + b[j]
                        if let rr { v = v + rr[j] }
                        yr[j] = relu && v < 0 ? 0 : v
                    }
                }
            }
        }
    }

    /// Per-channel `sum(g)` and `sum(g * (x - mean))`. With `mask`, `g` is first zeroed
    /// where `mask` is not positive (the gradient through a fused ReLU whose output is `mask`).
    func gradientSums(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, mask: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
        sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Double>
    ) {
        forEachBlock { block in
            withRows(3, block) { rows in
                let a1 = rows[0]
                let a2 = rows[1]
                let mu = rows[2]
                let len = block.count * inner
                a1.initialize(repeating: 0, count: len)
                a2.initialize(repeating: 0, count: len)
                expand(mean, block, into: mu)
                for i in 0..<n {
                    let xr = row(x, i, block)
                    let gr = row(g, i, block)
                    let mr = mask.map { row($0, i, block) }
                    Lanes.each(0..<len) { j in
                        let gv = maskedGradient(gr, mr, j)
                        Lanes.store(Lanes.load(a1 + j) + gv, a1 + j)
                        Lanes.store(Lanes.load(a2 + j) + gv * (Lanes.load(xr + j) - Lanes.load(mu + j)), a2 + j)
                    } tail: { j in
                        let gv = maskedGradient(scalar: gr, mr, j)
                        a1[j] += gv
                        a2[j] += gv * (xr[j] - mu[j])
                    }
                }
                reduce(a1, block) { sumG[$0] = Float($1) }
                reduce(a2, block) { sumGX[$0] = $1 }
            }
        }
    }

    /// `dx = a[c] * g + b[c] * (x - mean[c]) + d[c]`: the input gradient of batch norm
    /// with per-channel coefficients (`g` masked as in `gradientSums`).
    func inputGradient(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, mask: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, d: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>
    ) {
        forEachBlock { block in
            withRows(4, block) { rows in
                let ea = rows[0]
                let eb = rows[1]
                let ed = rows[2]
                let mu = rows[3]
                let len = block.count * inner
                expand(a, block, into: ea)
                expand(b, block, into: eb)
                expand(d, block, into: ed)
                expand(mean, block, into: mu)
                for i in 0..<n {
                    let xr = row(x, i, block)
                    let gr = row(g, i, block)
                    let mr = mask.map { row($0, i, block) }
                    let out = dx + (i * c + block.lowerBound) * inner
                    Lanes.each(0..<len) { j in
                        let gv = maskedGradient(gr, mr, j)
                        let v = Lanes.load(ea + j) * gv + Lanes.load(eb + j) * (Lanes.load(xr + j) - Lanes.load(mu + j))
                        Lanes.store(v + Lanes.load(ed + j), out + j)
                    } tail: { j in
                        let gv = maskedGradient(scalar: gr, mr, j)
                        out[j] = ea[j] * gv + eb[j] * (xr[j] - mu[j]) + ed[j]
                    }
                }
            }
        }
    }
}
