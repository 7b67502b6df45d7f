/// 16-lane SIMD loops over raw float buffers, for the elementwise kernels that a
/// benchmark shows to be hot (ReLU, scaling, softmax, cross-entropy, batch norm).
///
/// A closure called once per element from inside a parallel chunk is not inlined, and
/// the loop around it does not vectorise; these helpers call their operation once per 16
/// elements, on SIMD vectors (inlined when it is a literal written inside the chunk, a
/// cheap call otherwise: `Tensor.mapLanes`). The last partial vector goes through the
/// same vector operation (padded with zeros), so every element is computed the same way
/// whatever the chunking, and results do not depend on the thread count.
enum Lanes {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// The `n < width` floats at `p`, zero-padded.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ n: Int) -> Vector {
        var v = Vector()
        for j in 0..<n { v[j] = p[j] }
        return v
    }

    @inline(__always)
    static func storePartial(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        for j in 0..<n { p[j] = v[j] }
    }

    /// Calls `vector(i)` for each full vector of `r` (i, i + 16, ...) and `scalar(i)` for
    /// each index of the last partial vector. The two must compute the same values (no
    /// fused multiply-add is formed, so the same operations do).
    @inline(__always)
    static func each(_ r: Range<Int>, _ vector: (Int) -> Void, tail scalar: (Int) -> Void) {
        var i = r.lowerBound
        while i + width <= r.upperBound {
            vector(i)
            i += width
        }
        while i < r.upperBound {
            scalar(i)
            i += 1
        }
    }

    /// `dst[i] = f(src[i])` for `i` in `r`.
    @inline(__always)
    static func map(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ r: Range<Int>, _ f: (Vector) -> Vector
    ) {
        var i = r.lowerBound
        while i + width <= r.upperBound {
            store(f(load(src + i)), dst + i)
            i += width
        }
        if i < r.upperBound {
            let n = r.upperBound - i
            storePartial(f(loadPartial(src + i, n)), dst + i, n)
        }
    }

    /// `dst[i] = f(a[i], b[i])` for `i` in `r`.
    @inline(__always)
    static func zip(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ r: Range<Int>,
        _ f: (Vector, Vector) -> Vector
    ) {
        var i = r.lowerBound
        while i + width <= r.upperBound {
            store(f(load(a + i), load(b + i)), dst + i)
            i += width
        }
        if i < r.upperBound {
            let n = r.upperBound - i
            storePartial(f(loadPartial(a + i, n), loadPartial(b + i, n)), dst + i, n)
        }
    }

    /// The largest of the `n` floats at `p` (NaN ignored; -infinity when empty).
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector(repeating: -.infinity)
        var i = 0
        while i + width <= n {
            let v = load(p + i)
            acc.replace(with: v, where: v .> acc)
            i += width
        }
        var m = -Float.infinity
        for j in 0..<width where acc[j] > m { m = acc[j] }
        while i < n {
            if p[i] > m { m = p[i] }
            i += 1
        }
        return m
    }

    /// `e^x` lane by lane, within 2 ulp of the correctly rounded value (Cephes' `expf`):
    /// `x = n ln2 + r` with `|r| <= ln2 / 2` (ln2 split in two so the reduction is exact), a
    /// degree-6 polynomial for `e^r`, then `2^n` applied as two powers of two built in the
    /// exponent bits (so that n = 128 and results in the subnormal range come out right).
    /// Infinity above 88.7228, 0 below -104, NaN stays NaN. Only SSE2 operations, so it
    /// vectorises on any x86-64.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        // (`clamped` and `pointwiseMin` go lane by lane through libm; compare-and-replace vectorises.)
        var xc = x
        xc.replace(with: -104, where: x .< -104)
        xc.replace(with: 88.73, where: x .> 88.73)
        xc.replace(with: 0, where: x .!= x)
        // round(x / ln2) by adding 1.5 * 2^23: the sum's low mantissa bits then hold n.
        let shifted = xc * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (xc - n * 0.693_359_375) + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        p = (p * (r * r) + r) + 1
        let ni = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let half = ni &>> 1
        let rest = ni &- half
        var y =
            p * unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
            * unsafeBitCast((rest &+ 127) &<< 23, to: Vector.self)
        y.replace(with: 0, where: x .< -104)
        y.replace(with: .infinity, where: x .> 88.722_839)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// The sum of the `n` floats at `p`: 16 lane sums, added in order, then the tail.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        if n < width {
            // (the same value the lanes would give: their sum is 0 before the tail)
            var s: Float = 0
            for i in 0..<n { s += p[i] }
            return s
        }
        var acc = Vector()
        var i = 0
        while i + width <= n {
            acc += load(p + i)
            i += width
        }
        var s = acc.sum()
        while i < n {
            s += p[i]
            i += 1
        }
        return s
    }
}
