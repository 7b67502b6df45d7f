import Foundation
import MocoTensor
import Testing

/// The channel block oneDNN's convolutions choose with the instruction set it runs (asked of the library, so the tests
/// hold under any CPU and under a capped ISA): 8 (`nChw8c`) with AVX2, 16 (`nChw16c`) with AVX-512; nil where it
/// blocks neither way. The tests use channel counts that are multiples of 16, which block under both.
private let expectedBlocking: Int? = {
    let isa = Arithmetic.oneDNNISA
    if isa.hasPrefix("avx512") { return 16 }
    return isa == "avx2" || isa == "avx2_vnni" ? 8 : nil
}()

private let blocks = expectedBlocking != nil
private let blocksWhy =
    "needs AVX2 or AVX-512, where oneDNN picks a channel-blocked layout (it runs \(Arithmetic.oneDNNISA))"

/// `conv2d` by its definition (stride 1, zero padding `pad`), in double precision.
private func directConvolution(_ x: Tensor, _ w: Tensor, pad: Int) -> [Float] {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, k) = (w.shape[0], w.shape[2])
    let (oh, ow) = (h + 2 * pad - k + 1, wd + 2 * pad - k + 1)
    let xs = x.scalars
    let ws = w.scalars
    var out = [Float](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n {
        for oc in 0..<o {
            for i in 0..<oh {
                for j in 0..<ow {
                    var s = 0.0
                    for ic in 0..<c {
                        for di in 0..<k {
                            for dj in 0..<k {
                                let (y, xx) = (i + di - pad, j + dj - pad)
                                guard y >= 0, y < h, xx >= 0, xx < wd else { continue }
                                s +=
                                    Double(xs[((b * c + ic) * h + y) * wd + xx])
                                    * Double(ws[((oc * c + ic) * k + di) * k + dj])
                            }
                        }
                    }
                    out[((b * o + oc) * oh + i) * ow + j] = Float(s)
                }
            }
        }
    }
    return out
}

/// The largest `|a - b| / (1 + |b|)`.
private func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0
}

@Suite("Activations in oneDNN's channel-blocked layout")
struct BlockedLayoutTests {
    @Test(
        "a convolution with 8k channels leaves its result blocked, and reads give row-major values",
        .enabled(if: blocks, Comment(rawValue: blocksWhy)))
    func convolutionResultIsBlocked() throws {
        var data = TestData(seed: 1)
        let x = data.normal([3, 8, 6, 5])
        let w = data.normal([16, 8, 3, 3], scale: 0.2)
        let y = try Tensor.conv2d(x, weight: w, padding: 1)
        #expect(y.blocking == expectedBlocking)
        #expect(maxRelativeError(y.scalars, directConvolution(x, w, pad: 1)) < 1e-5)
        #expect(y.rowMajor().blocking == 1)
        #expect(y.rowMajor().scalars == y.scalars)
        // A blocked result feeds the next convolution as it is.
        let w2 = data.normal([16, 16, 3, 3], scale: 0.2)
        let z = try Tensor.conv2d(y, weight: w2, padding: 1)
        #expect(maxRelativeError(z.scalars, directConvolution(y.rowMajor(), w2, pad: 1)) < 1e-5)
    }

    @Test(
        "reshapes keep the blocked layout only where it is the same memory",
        .enabled(if: blocks, Comment(rawValue: blocksWhy)))
    func reshapes() throws {
        var data = TestData(seed: 2)
        let y = try Tensor.conv2d(data.normal([4, 8, 3, 3]), weight: data.normal([16, 8, 1, 1]))
        try #require(y.blocking == expectedBlocking)
        let split = try y.reshaped([2, 32, 3, 3])
        #expect(split.blocking == y.blocking)
        #expect(split.scalars == y.scalars)
        #expect(try split.reshaped([4, 16, 3, 3]).blocking == y.blocking)
        let flat = try y.reshaped([4, 144])
        #expect(flat.blocking == 1)
        #expect(flat.scalars == y.scalars)
        let odd = try y.reshaped([8, 8, 3, 3])
        #expect(odd.blocking == (y.blocking == 8 ? 8 : 1))
        #expect(odd.scalars == y.scalars)
    }

    @Test(
        "elementwise ops keep a shared layout, and fall back to row-major across layouts",
        .enabled(if: blocks, Comment(rawValue: blocksWhy)))
    func elementwise() throws {
        var data = TestData(seed: 3)
        let y = try Tensor.conv2d(data.normal([2, 8, 4, 4]), weight: data.normal([16, 8, 3, 3]), padding: 1)
        try #require(y.blocking == expectedBlocking)
        let plain = data.normal(y.shape)
        #expect((y.relu()).blocking == y.blocking)
        #expect(y.relu().scalars == y.scalars.map { Swift.max($0, 0) })
        let same = try y + y
        #expect(same.blocking == y.blocking)
        #expect(same.scalars == y.scalars.map { $0 + $0 })
        let mixed = try y + plain
        #expect(mixed.blocking == 1)
        #expect(mixed.scalars == zip(y.scalars, plain.scalars).map { $0 + $1 })
        var edited = y
        edited.withUnsafeMutableBufferPointer { $0[1] = 42 }
        #expect(edited.blocking == 1)
        #expect(edited.scalars[1] == 42)
        #expect(Array(edited.scalars[2...]) == Array(y.scalars[2...]))
    }

    /// A residual block with split batch norm: conv, BN + ReLU, conv, BN, add the input, ReLU, global
    /// average pooling, then a weighted sum (without the ReLUs when `relu` is false). With `rowMajor`, every
    /// convolution result is made row-major first (the engine's row-major paths); without it, blocked results
    /// flow through.
    private func residualBlock(_ t: [Tensor], rowMajor: Bool, relu: Bool = true) throws -> Tensor {
        let (x, w1, w2, gamma, beta, r) = (t[0], t[1], t[2], t[3], t[4], t[5])
        func conv(_ a: Tensor, _ w: Tensor) throws -> Tensor {
            let y = try Tensor.conv2d(a, weight: w, padding: 1)
            return rowMajor ? y.rowMajor() : y
        }
        func splitNorm(_ a: Tensor, relu: Bool) throws -> Tensor {
            let (n, c, h, w) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
            let g = try Tensor.concat([gamma, gamma])
            let b = try Tensor.concat([beta, beta])
            let y = try Tensor.batchNorm(a.reshaped([n / 2, c * 2, h, w]), weight: g, bias: b, relu: relu)
            return try y.reshaped([n, c, h, w])
        }
        let h = try splitNorm(conv(x, w1), relu: relu)
        let sum = try splitNorm(conv(h, w2), relu: false) + x
        let out = relu ? sum.relu() : sum
        return try (Tensor.globalAvgPool2d(out) * r).sum()
    }

    /// The inputs of `residualBlock` for a batch of 4: images, two conv weights, BN weight and bias, pooling weights.
    private func residualBlockInputs(seed: UInt64, channels c: Int, size: Int, weightScale: Float) -> [Tensor] {
        var data = TestData(seed: seed)
        return [
            data.normal([4, c, size, size]), data.normal([c, c, 3, 3], scale: weightScale),
            data.normal([c, c, 3, 3], scale: weightScale), data.uniform([c], 0.5, 1.5), data.normal([c], scale: 0.1),
            data.normal([4, c])
        ]
    }

    @Test(
        "a residual block gives the same values and gradients blocked as row-major",
        .enabled(if: blocks, Comment(rawValue: blocksWhy)))
    func residualBlockMatchesRowMajor() throws {
        let inputs = residualBlockInputs(seed: 4, channels: 16, size: 5, weightScale: 0.1)
        #expect(try Tensor.conv2d(inputs[0], weight: inputs[1], padding: 1).blocking == expectedBlocking)
        var results: [(Float, [[Float]])] = []
        for rowMajor in [false, true] {
            let leaves = inputs.map { $0.requiringGrad() }
            let loss = try residualBlock(leaves, rowMajor: rowMajor)
            try loss.backward()
            results.append((try loss.item(), try leaves.prefix(5).map { try #require($0.grad).scalars }))
        }
        #expect(Swift.abs(results[0].0 - results[1].0) <= 1e-5 * (1 + Swift.abs(results[1].0)))
        for (i, (blocked, plain)) in zip(results[0].1, results[1].1).enumerated() {
            #expect(maxRelativeError(blocked, plain) < 1e-4, "gradient of input \(i)")
        }
    }

    /// Without the ReLUs, whose kinks finite differences cannot step over (the ReLU paths are checked against
    /// the row-major ones above, which have gradient checks of their own).
    @Test(
        "a residual block's gradients through the blocked paths match finite differences",
        .enabled(if: blocks, Comment(rawValue: blocksWhy)))
    func residualBlockGradientCheck() throws {
        let inputs = residualBlockInputs(seed: 5, channels: 16, size: 4, weightScale: 0.2)
        // The convolutions' results are blocked, so the check goes through the blocked paths it is named for.
        #expect(try Tensor.conv2d(inputs[0], weight: inputs[1], padding: 1).blocking == expectedBlocking)
        try gradientCheck(Array(inputs.prefix(5)), eps: 1e-2, rtol: 3e-2, atol: 3e-3) { t in
            try residualBlock(t + [inputs[5]], rowMajor: false, relu: false)
        }
    }
}
