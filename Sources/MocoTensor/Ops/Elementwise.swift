import Foundation

/// Elements per thread below which elementwise loops stay on one thread.
let elementwiseGrain = 1 << 15

extension Tensor {
    /// Applies `f` to every element (no autograd; kernels build on it).
    @inline(__always)
    func map(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape, blocking: blocking)
        let src = rawStorage.pointer
        let dst = out.rawStorage.pointer
        Threads.parallelFor(count, minChunk: elementwiseGrain) { r in
            for i in r { dst[i] = f(src[i]) }
        }
        return out
    }

    /// Combines two tensors of the same shape element by element (no autograd).
    @inline(__always)
    func zipMap(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let (a, b, out) = zipOperands(other)
        let dst = out.rawStorage.pointer
        Threads.parallelFor(count, minChunk: elementwiseGrain) { r in
            for i in r { dst[i] = f(a[i], b[i]) }
        }
        return out
    }

    /// `map` with a vector operation (`Lanes`): 16 elements per call, vectorised; for the
    /// hot elementwise ops.
    @inline(__always)
    func mapLanes(_ f: (Lanes.Vector) -> Lanes.Vector) -> Tensor {
        let out = Tensor(uninitializedShape: shape, blocking: blocking)
        let src = rawStorage.pointer
        let dst = out.rawStorage.pointer
        Threads.parallelFor(count, minChunk: elementwiseGrain) { r in Lanes.map(src, dst, r, f) }
        return out
    }

    /// `zipMap` with a vector operation (`Lanes`).
    @inline(__always)
    func zipLanes(_ other: Tensor, _ f: (Lanes.Vector, Lanes.Vector) -> Lanes.Vector) -> Tensor {
        let (a, b, out) = zipOperands(other)
        let dst = out.rawStorage.pointer
        Threads.parallelFor(count, minChunk: elementwiseGrain) { r in Lanes.zip(a, b, dst, r, f) }
        return out
    }

    /// The elements of this tensor and `other` (same shape) in one layout, and an uninitialised result in
    /// it: their own when both share it, else row-major.
    @inline(__always)
    private func zipOperands(_ other: Tensor) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Tensor) {
        let layout = blocking(sharedWith: [other])
        return (elements(in: layout), other.elements(in: layout), Tensor(uninitializedShape: shape, blocking: layout))
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor {
        record(x.map { -$0 }, op: "neg", inputs: [x]) { g in [g.map { -$0 }] }
    }

    /// `e^x`.
    public func exp() -> Tensor {
        let y = exponentiated()
        return Tensor.record(y, op: "exp", inputs: [self]) { g in [g.zipMap(y, *)] }
    }

    /// `e^x` without autograd, vectorised (`Lanes.exp`).
    func exponentiated() -> Tensor { mapLanes { Lanes.exp($0) } }

    /// Natural logarithm.
    public func log() -> Tensor {
        let x = self
        return Tensor.record(map { Foundation.log($0) }, op: "log", inputs: [self]) { g in [g.zipMap(x, /)] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        let y = map { $0.squareRoot() }
        return Tensor.record(y, op: "sqrt", inputs: [self]) { g in [g.zipMap(y) { $0 * 0.5 / $1 }] }
    }

    /// Absolute value; its gradient at 0 is 0.
    public func abs() -> Tensor {
        let x = self
        return Tensor.record(map { Swift.abs($0) }, op: "abs", inputs: [self]) { g in
            [g.zipMap(x) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) }]
        }
    }

    /// `max(x, 0)`; its gradient at 0 is 0. NaN stays NaN, as in PyTorch, so a diverged
    /// value is never hidden.
    public func relu() -> Tensor {
        let y = mapLanes { v in
            var o = v
            o.replace(with: 0, where: v .< 0)
            return o
        }
        return Tensor.record(y, op: "relu", inputs: [self]) { g in [g.maskedWherePositive(y)] }
    }

    /// This gradient where `y` (a ReLU's output) is positive, else 0: the gradient through the ReLU.
    func maskedWherePositive(_ y: Tensor) -> Tensor {
        zipLanes(y) { gv, yv in
            var o = gv
            o.replace(with: 0, where: .!(yv .> 0))
            return o
        }
    }

    /// The logistic function `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor {
        let y = map { 1 / (1 + Foundation.exp(-$0)) }
        return Tensor.record(y, op: "sigmoid", inputs: [self]) { g in [g.zipMap(y) { $0 * $1 * (1 - $1) }] }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let y = map { Foundation.tanh($0) }
        return Tensor.record(y, op: "tanh", inputs: [self]) { g in [g.zipMap(y) { $0 * (1 - $1 * $1) }] }
    }

    /// Limits values to `[min, max]` (either bound optional). As in PyTorch, the
    /// gradient passes where `min <= x <= max`.
    public func clamp(min lo: Float? = nil, max hi: Float? = nil) throws -> Tensor {
        if let lo, let hi, lo > hi { throw TensorError("clamp", "min \(lo) is greater than max \(hi)") }
        let l = lo ?? -.infinity
        let h = hi ?? .infinity
        let x = self
        return Tensor.record(map { Swift.min(Swift.max($0, l), h) }, op: "clamp", inputs: [self]) { g in
            [g.zipMap(x) { ($1 >= l && $1 <= h) ? $0 : 0 }]
        }
    }

    /// `x^p` for a scalar exponent.
    public func pow(_ p: Float) -> Tensor {
        let x = self
        let y: Tensor
        if p == 2 { y = map { $0 * $0 } } else { y = map { Foundation.pow($0, p) } }
        return Tensor.record(y, op: "pow", inputs: [self]) { g in
            [g.zipMap(x) { p == 2 ? $0 * 2 * $1 : $0 * p * Foundation.pow($1, p - 1) }]
        }
    }

    /// `x * s`.
    public static func * (x: Tensor, s: Float) -> Tensor {
        record(x.scaled(by: s), op: "mul", inputs: [x]) { g in [g.scaled(by: s)] }
    }

    /// `x * s` without autograd, vectorised (scaling is hot: logits, means, losses).
    func scaled(by s: Float) -> Tensor { mapLanes { $0 * s } }

    /// `s * x`.
    public static func * (s: Float, x: Tensor) -> Tensor { x * s }

    /// `x / s`.
    public static func / (x: Tensor, s: Float) -> Tensor { x * (1 / s) }

    /// `x + s`.
    public static func + (x: Tensor, s: Float) -> Tensor {
        record(x.map { $0 + s }, op: "add", inputs: [x]) { g in [g] }
    }

    /// `x - s`.
    public static func - (x: Tensor, s: Float) -> Tensor { x + (-s) }

    /// `s - x`.
    public static func - (s: Float, x: Tensor) -> Tensor { -x + s }
}
