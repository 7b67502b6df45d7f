import MocoTensor
import Testing

/// Finite-difference checks of every differentiable op. Tolerances: central
/// differences with eps 1e-2 (1e-3 near kinks), |numeric - autograd| <= 2e-3 + 1e-2 |numeric|
/// unless a test states otherwise.
@Suite("Gradient checks")
struct GradientCheckTests {
    // MARK: elementwise

    @Test func unaryOps() throws {
        var d = TestData(seed: 1)
        let x = d.normal([3, 1, 4])
        try gradientCheck([x]) { -$0[0] }
        try gradientCheck([x]) { $0[0].exp() }
        try gradientCheck([x]) { $0[0].sigmoid() }
        try gradientCheck([x]) { $0[0].tanh() }
        try gradientCheck([x]) { $0[0].pow(2) }
        try gradientCheck([x]) { $0[0] * 3 + 1.5 }
        try gradientCheck([x]) { 2 - $0[0] / 4 }
        let pos = d.uniform([2, 5], 0.5, 2)
        try gradientCheck([pos]) { $0[0].log() }
        try gradientCheck([pos]) { $0[0].sqrt() }
        try gradientCheck([pos]) { $0[0].pow(-1.5) }
        let away = d.awayFromZero([1, 6])
        try gradientCheck([away], eps: 1e-3) { $0[0].abs() }
        try gradientCheck([away], eps: 1e-3) { $0[0].relu() }
        try gradientCheck([d.awayFromZero([4, 3], gap: 0.05)], eps: 1e-3) { try $0[0].clamp(min: -0.5, max: 0.5) }
    }

    @Test(
        "binary ops with broadcasting",
        arguments: [
            ([3, 4], [3, 4]), ([3, 4], [4]), ([2, 1, 4], [3, 1]), ([1], [2, 3]), ([], [2, 2]), ([1, 3, 1], [2, 1, 5])
        ])
    func binaryOps(a: [Int], b: [Int]) throws {
        var d = TestData(seed: 2)
        let x = d.normal(a)
        let y = d.uniform(b, 0.5, 2)
        try gradientCheck([x, y]) { try $0[0] + $0[1] }
        try gradientCheck([x, y]) { try $0[0] - $0[1] }
        try gradientCheck([x, y]) { try $0[0] * $0[1] }
        try gradientCheck([x, y]) { try $0[0] / $0[1] }
        try gradientCheck([y, x]) { try $0[0].pow($0[1]) }
        let cond = try d.normal(a).gt(Tensor(0))
        try gradientCheck([x, y]) { try Tensor.where(cond, $0[0], $0[1]) }
    }

    @Test func randomShapes() throws {
        var d = TestData(seed: 3)
        for _ in 0..<5 {
            let rank = 1 + d.rng.nextInt(below: 3)
            let shape = (0..<rank).map { _ in 1 + d.rng.nextInt(below: 4) }
            let other = shape.map { d.rng.nextInt(below: 2) == 0 ? 1 : $0 }
            try gradientCheck([d.normal(shape), d.normal(other)]) { try ($0[0] * $0[1]).tanh() + $0[1] }
            try gradientCheck([d.normal(shape)]) { try $0[0].sum(axes: [rank - 1], keepdims: true) }
        }
    }

    // MARK: reductions

    @Test func reductions() throws {
        var d = TestData(seed: 4)
        let x = d.normal([2, 3, 4])
        try gradientCheck([x]) { $0[0].sum() }
        try gradientCheck([x]) { try $0[0].sum(axes: [0, 2]) }
        try gradientCheck([x]) { try $0[0].sum(axes: [1], keepdims: true) }
        try gradientCheck([x]) { try $0[0].mean(axes: [-1]) }
        try gradientCheck([x]) { $0[0].mean() }
        try gradientCheck([x]) { try $0[0].variance(axes: [1]) }
        try gradientCheck([x]) { try $0[0].variance(axes: [0, 2], unbiased: false, keepdims: true) }
        try gradientCheck([x]) { try $0[0].variance() }
        try gradientCheck([x]) { try $0[0].logsumexp(axes: [2]) }
        try gradientCheck([x]) { try $0[0].logsumexp(axes: [0, 1], keepdims: true) }
        let s = d.distinct([3, 5, 2])
        try gradientCheck([s], eps: 1e-3) { try $0[0].max(axis: 1) }
        try gradientCheck([s], eps: 1e-3) { try $0[0].max(axis: -1, keepdims: true) }
        try gradientCheck([s], eps: 1e-3) { try $0[0].max() }
    }

    // MARK: linear algebra

    @Test func matmulAndLinear() throws {
        var d = TestData(seed: 5)
        try gradientCheck([d.normal([3, 4]), d.normal([4, 2])]) { try $0[0].matmul($0[1]) }
        try gradientCheck([d.normal([1, 4]), d.normal([4, 1])]) { try $0[0].matmul($0[1]) }
        try gradientCheck([d.normal([2, 3, 4]), d.normal([4, 5])]) { try $0[0].matmul($0[1]) }
        try gradientCheck([d.normal([2, 1, 3, 4]), d.normal([3, 4, 2])]) { try $0[0].matmul($0[1]) }
        try gradientCheck([d.normal([4]), d.normal([4, 3])]) { try $0[0].matmul($0[1]) }
        try gradientCheck([d.normal([3, 4]), d.normal([4])]) { try $0[0].matmul($0[1]) }
        try gradientCheck([d.normal([5, 3]), d.normal([2, 3]), d.normal([2])]) {
            try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
        try gradientCheck([d.normal([1, 3]), d.normal([4, 3])]) { try Tensor.linear($0[0], weight: $0[1]) }
        try gradientCheck([d.normal([2, 2, 3]), d.normal([4, 3]), d.normal([4])]) {
            try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    // MARK: shape and indexing

    @Test func shapeOps() throws {
        var d = TestData(seed: 6)
        let x = d.normal([2, 3, 4])
        try gradientCheck([x]) { try $0[0].reshaped([4, -1]) }
        try gradientCheck([x]) { try $0[0].flattened() }
        try gradientCheck([x]) { try $0[0].unsqueezed(1).squeezed(1) }
        try gradientCheck([x]) { try $0[0].permuted([2, 0, 1]) }
        try gradientCheck([x]) { try $0[0].transposed(0, 2) }
        try gradientCheck([d.normal([3, 1])]) { try $0[0].expanded(to: [2, 3, 4]) }
        try gradientCheck([x, d.normal([2, 1, 4])]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
        try gradientCheck([x, x]) { try Tensor.stack([$0[0], $0[1]], axis: -1) }
        try gradientCheck([x]) { try $0[0].split(sizes: [1, 2], axis: 1)[1] }
        try gradientCheck([x]) { try Tensor.concat($0[0].split(size: 3, axis: 2).reversed(), axis: 2) }
        try gradientCheck([x]) { try $0[0].slice(axis: 2, 1..<3) }
        try gradientCheck([x]) { try $0[0].indexSelect(axis: 1, [2, 0, 2, 2]) }
        let index = try Tensor(shape: [2, 2, 4], scalars: (0..<16).map { Float(($0 * 7) % 3) })
        try gradientCheck([x]) { try $0[0].gather(axis: 1, index: index) }
    }

    // MARK: softmax and losses

    @Test func softmaxFamily() throws {
        var d = TestData(seed: 7)
        let x = d.normal([3, 5], scale: 2)
        try gradientCheck([x]) { try $0[0].softmax(axis: 1) }
        try gradientCheck([x]) { try $0[0].softmax(axis: 0) }
        try gradientCheck([d.normal([2, 3, 4])]) { try $0[0].logSoftmax(axis: 1) }
        try gradientCheck([x]) { try Tensor.crossEntropy($0[0], labels: [4, 0, 2]) }
        try gradientCheck([d.normal([1, 7])]) { try Tensor.crossEntropy($0[0], labels: [6]) }
        try gradientCheck([x]) { try $0[0].l2Normalized(axis: 1) }
        try gradientCheck([d.normal([4, 1, 3])]) { try $0[0].l2Normalized(axis: 0) }
    }

    // MARK: convolution, normalisation, pooling

    @Test(
        "conv2d",
        arguments: [
            // n, c, h, w, o, k, stride, padding, dilation, groups, bias
            [1, 1, 5, 5, 1, 3, 1, 0, 1, 1, 1],
            [2, 3, 6, 5, 4, 3, 2, 1, 1, 1, 1],
            [1, 4, 5, 5, 6, 3, 1, 1, 1, 2, 0],
            [2, 4, 7, 7, 4, 3, 1, 2, 2, 4, 1],
            [3, 2, 4, 4, 3, 1, 1, 0, 1, 1, 0]
        ])
    func conv2d(_ p: [Int]) throws {
        var d = TestData(seed: 8)
        let x = d.normal([p[0], p[1], p[2], p[3]])
        let w = d.normal([p[4], p[1] / p[9], p[5], p[5]], scale: 0.5)
        var inputs = [x, w]
        if p[10] == 1 { inputs.append(d.normal([p[4]])) }
        try gradientCheck(inputs) {
            try Tensor.conv2d(
                $0[0], weight: $0[1], bias: $0.count > 2 ? $0[2] : nil,
                stride: p[6], padding: p[7], dilation: p[8], groups: p[9])
        }
    }

    @Test func batchNorm() throws {
        var d = TestData(seed: 9)
        for shape in [[4, 3], [2, 3, 4], [2, 2, 3, 3], [1, 2, 2, 2]] {
            let c = shape[1]
            let x = d.normal(shape, scale: 2)
            let w = d.normal([c])
            let b = d.normal([c])
            // Normalisation couples all elements of a channel; a smaller step keeps curvature error low.
            try gradientCheck([x, w, b], eps: 3e-3, rtol: 2e-2, atol: 5e-3) {
                try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2])
            }
            try gradientCheck([x], eps: 3e-3, rtol: 2e-2, atol: 5e-3) {
                try Tensor.batchNorm($0[0], weight: nil, bias: nil)
            }
            let stats = BatchNormStatistics(mean: d.normal([c]), variance: d.uniform([c], 0.5, 2))
            try gradientCheck([x, w, b]) { try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], running: stats) }
        }
    }

    /// Batch norm with `relu: true` gives exactly what batch norm then ReLU gives, values
    /// and gradients, in training and eval mode, on shapes whose channel rows fill whole
    /// SIMD vectors, partial ones, or both.
    @Test func batchNormFusedReLU() throws {
        var d = TestData(seed: 12)
        for shape in [[6, 5], [8, 5, 6, 6], [4, 3, 2, 2], [3, 40, 4, 4]] {
            let c = shape[1]
            let x = d.normal(shape, scale: 2)
            let w = d.normal([c])
            let b = d.normal([c])
            let r = d.normal(shape)
            let stats = BatchNormStatistics(mean: d.normal([c]), variance: d.uniform([c], 0.5, 2))
            for training in [true, false] {
                func run(fused: Bool) throws -> [[Float]] {
                    let leaves = [x, w, b].map { $0.requiringGrad() }
                    var running = stats
                    let y =
                        training
                        ? try Tensor.batchNorm(
                            leaves[0], weight: leaves[1], bias: leaves[2], running: &running, relu: fused)
                        : try Tensor.batchNorm(
                            leaves[0], weight: leaves[1], bias: leaves[2], running: stats, relu: fused)
                    let out = fused ? y : y.relu()
                    try (out * r).sum().backward()
                    return [out.scalars, running.mean.scalars, running.variance.scalars]
                        + leaves.map { $0.grad?.scalars ?? [] }
                }
                #expect(try run(fused: true) == run(fused: false), "shape \(shape), training \(training)")
            }
        }
    }

    /// `relu(bn(x) + residual)` in one pass is bit-identical to the three ops, forward and backward, in
    /// train and eval mode, with and without the ReLU; and its gradients match finite differences.
    @Test func batchNormFusedResidual() throws {
        var d = TestData(seed: 13)
        for shape in [[6, 5], [8, 5, 6, 6], [3, 40, 4, 4]] {
            let c = shape[1]
            let (x, w, b, res, r) = (
                d.normal(shape, scale: 2), d.normal([c]), d.normal([c]), d.normal(shape), d.normal(shape)
            )
            let stats = BatchNormStatistics(mean: d.normal([c]), variance: d.uniform([c], 0.5, 2))
            for training in [true, false] {
                for relu in [true, false] {
                    func run(fused: Bool) throws -> [[Float]] {
                        let leaves = [x, w, b, res].map { $0.requiringGrad() }
                        var running = stats
                        let residual = fused ? leaves[3] : nil
                        let y =
                            training
                            ? try Tensor.batchNorm(
                                leaves[0], weight: leaves[1], bias: leaves[2], running: &running, relu: fused && relu,
                                residual: residual)
                            : try Tensor.batchNorm(
                                leaves[0], weight: leaves[1], bias: leaves[2], running: stats, relu: fused && relu,
                                residual: residual)
                        let sum = fused ? y : try y + leaves[3]
                        let out = fused || !relu ? sum : sum.relu()
                        try (out * r).sum().backward()
                        return [out.scalars, running.mean.scalars, running.variance.scalars]
                            + leaves.map { $0.grad?.scalars ?? [] }
                    }
                    #expect(
                        try run(fused: true) == run(fused: false), "shape \(shape), training \(training), relu \(relu)")
                }
            }
        }
        let x = d.normal([6, 4, 3, 3], scale: 2)
        try gradientCheck([x, d.normal([4]), d.normal([4]), d.normal([6, 4, 3, 3])]) { t in
            try Tensor.batchNorm(t[0], weight: t[1], bias: t[2], residual: t[3])
        }
        #expect(throws: TensorError.self) {
            try Tensor.batchNorm(x, weight: nil, bias: nil, residual: x.reshaped([6, 36]))
        }
    }

    /// Training-mode statistics stay accurate for data far from zero (the one-pass moments shift by a sample),
    /// row-major and in the blocked layout a convolution leaves: the batch's mean and unbiased variance (read
    /// through running statistics at momentum 1) match a double-precision reference.
    @Test func batchNormStatisticsFarFromZero() throws {
        var d = TestData(seed: 14)
        let offsets = [Float](arrayLiteral: 1000, -250, 0, 4000, 1e-3, 7, -60, 300)
        let bias = try Tensor(shape: [1, 8, 1, 1], scalars: offsets)
        let x = try d.normal([12, 8, 5, 5], scale: 0.5) + bias
        let identity = try Tensor(shape: [8, 8, 1, 1], scalars: (0..<64).map { $0 / 8 == $0 % 8 ? 1 : 0 })
        let blocked = try Tensor.conv2d(x, weight: identity)
        for input in [x, blocked] {
            var running = try BatchNormStatistics(channels: 8)
            _ = try Tensor.batchNorm(input, weight: nil, bias: nil, running: &running, momentum: 1)
            let v = input.scalars
            for c in 0..<8 {
                let values = (0..<12).flatMap { n in (0..<25).map { Double(v[(n * 8 + c) * 25 + $0]) } }
                let m = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)
                #expect(abs(Double(running.mean.scalars[c]) - m) <= 1e-6 * (1 + abs(m)), "channel \(c)")
                #expect(abs(Double(running.variance.scalars[c]) - variance) <= 1e-4 * variance, "channel \(c)")
            }
        }
    }

    @Test func pooling() throws {
        var d = TestData(seed: 10)
        let x = d.distinct([2, 2, 5, 6])
        try gradientCheck([x], eps: 1e-3) { try Tensor.maxPool2d($0[0], kernel: 2) }
        try gradientCheck([x], eps: 1e-3) { try Tensor.maxPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
        try gradientCheck([x]) { try Tensor.avgPool2d($0[0], kernel: 2) }
        try gradientCheck([x]) { try Tensor.avgPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
        try gradientCheck([x]) { try Tensor.avgPool2d($0[0], kernel: 3, stride: 1, padding: 1, countIncludePad: false) }
        try gradientCheck([d.normal([1, 3, 4, 2])]) { try Tensor.globalAvgPool2d($0[0]) }
    }

    /// A small network end to end: conv, BN, ReLU, pool, linear, cross-entropy.
    @Test func composedNetwork() throws {
        var d = TestData(seed: 11)
        let x = d.normal([2, 1, 6, 6])
        let w1 = d.normal([3, 1, 3, 3], scale: 0.5)
        let w2 = d.normal([4, 3], scale: 0.5)
        try gradientCheck([x, w1, w2], eps: 3e-3, rtol: 3e-2, atol: 5e-3) { v in
            let h = try Tensor.conv2d(v[0], weight: v[1], padding: 1)
            let p = try Tensor.globalAvgPool2d(Tensor.batchNorm(h, weight: nil, bias: nil).tanh())
            return try Tensor.crossEntropy(Tensor.linear(p, weight: v[2]), labels: [1, 3])
        }
    }
}
