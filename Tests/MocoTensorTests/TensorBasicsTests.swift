import MocoTensor
import MocoTestSupport
import Testing

@Suite("Tensor basics")
struct TensorBasicsTests {
    @Test func creation() throws {
        #expect(try Tensor.zeros([2, 3]).scalars == [Float](repeating: 0, count: 6))
        #expect(try Tensor.ones([2]).scalars == [1, 1])
        #expect(try Tensor.full([1, 2], 7).shape == [1, 2])
        #expect(try Tensor.arange(0, 5).scalars == [0, 1, 2, 3, 4])
        #expect(try Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(try Tensor.arange(5, 0, step: -2).scalars == [5, 3, 1])
        #expect(Tensor(3).shape == [] && Tensor(3).count == 1)
        #expect(try Tensor(2.5).item() == 2.5)
        #expect(Tensor([1, 2, 3]).shape == [3])
        #expect(try Tensor.zeros([0, 4]).count == 0)
    }

    @Test func valueSemantics() throws {
        let a = try Tensor(shape: [2], scalars: [1, 2])
        var b = a
        b.withUnsafeMutableBufferPointer { $0[0] = 10 }
        #expect(a.scalars == [1, 2])
        #expect(b.scalars == [10, 2])
    }

    @Test func randomStreamsAreDeterministicAndIndependent() throws {
        var r1 = RandomGenerator(seed: 42)
        var r2 = RandomGenerator(seed: 42)
        #expect(try Tensor.randn([100], using: &r1).scalars == Tensor.randn([100], using: &r2).scalars)
        let base = RandomGenerator(seed: 7)
        var s1 = base.stream("data")
        var s2 = base.stream("init")
        var s1again = base.stream("data")
        let x = s1.next()
        let y = s2.next()
        #expect(x != y)
        #expect(x == s1again.next())
        // Drawing from the parent never changes a stream derived from it.
        var parent = base
        _ = parent.next()
        var s1late = parent.stream("data")
        #expect(s1late.next() == x)
        // State round-trips, including the spare normal of Box-Muller.
        var g = RandomGenerator(seed: 3)
        _ = g.nextNormal()
        var restored = try #require(RandomGenerator(state: g.state))
        #expect(restored.nextNormal() == g.nextNormal())
        #expect(restored == g)
        #expect(RandomGenerator(state: [1, 2]) == nil)
    }

    @Test func randomDistributions() throws {
        var rng = RandomGenerator(seed: 1)
        let n = try Tensor.randn([20000], mean: 1, std: 2, using: &rng)
        #expect(abs(try n.mean().item() - 1) < 0.05)
        #expect(abs(try n.variance().item().squareRoot() - 2) < 0.05)
        let u = try Tensor.uniform([20000], low: -1, high: 3, using: &rng)
        #expect(u.scalars.allSatisfy { $0 >= -1 && $0 < 3 })
        #expect(abs(try u.mean().item() - 1) < 0.05)
        let p = rng.permutation(10)
        #expect(p.sorted() == Array(0..<10))
    }

    @Test func reductionValues() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        #expect(try x.sum(axes: [1]).scalars == [9, 12])
        #expect(try x.sum(axes: [0], keepdims: true).shape == [1, 3])
        #expect(try x.mean(axes: [0]).scalars == [2.5, 3.5, 4.5])
        #expect(try x.max(axis: 1).scalars == [5, 6])
        #expect(try x.argmax(axis: 1).scalars == [1, 2])
        #expect(try x.argmax(axis: 0, keepdims: true).shape == [1, 3])
        #expect(try x.variance(axes: [1]).scalars == [4, 4])
        #expect(try x.variance(axes: [1], unbiased: false).scalars.map { ($0 * 3).rounded() } == [8, 8])
        let big = try Tensor(shape: [1, 2], scalars: [1000, 1000])
        #expect(abs(try big.logsumexp(axes: [1]).item() - (1000 + 0.693147)) < 1e-3)
    }

    @Test func reluKeepsNaN() throws {
        let y = try Tensor(shape: [3], scalars: [-1, .nan, 2]).relu().scalars
        #expect(y[0] == 0 && y[1].isNaN && y[2] == 2)
    }

    @Test func comparisonsAndWhere() throws {
        let a = try Tensor(shape: [3], scalars: [1, 2, 3])
        let b = Tensor(2)
        #expect(try a.lt(b).scalars == [1, 0, 0])
        #expect(try a.le(b).scalars == [1, 1, 0])
        #expect(try a.gt(b).scalars == [0, 0, 1])
        #expect(try a.ge(b).scalars == [0, 1, 1])
        #expect(try a.eq(b).scalars == [0, 1, 0])
        #expect(try a.ne(b).scalars == [1, 0, 1])
        #expect(try Tensor.where(a.gt(b), a, Tensor(0)).scalars == [0, 0, 3])
    }

    @Test func shapeAndIndexValues() throws {
        let x = try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(try x.transposed().scalars == [0, 3, 1, 4, 2, 5])
        #expect(try x.reshaped([3, -1]).shape == [3, 2])
        #expect(try Tensor.concat([x, x], axis: 1).scalars == [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
        #expect(try Tensor.stack([x, x]).shape == [2, 2, 3])
        #expect(try x.slice(axis: 1, 1..<3).scalars == [1, 2, 4, 5])
        #expect(try x.split(size: 2, axis: 1).map(\.shape) == [[2, 2], [2, 1]])
        #expect(try x.indexSelect(axis: 0, [1, 1, 0]).scalars == [3, 4, 5, 3, 4, 5, 0, 1, 2])
        #expect(try x.gather(axis: 1, index: Tensor(shape: [2, 1], scalars: [2, 0])).scalars == [2, 3])
        #expect(try Tensor.oneHot([2, 0], classes: 3).scalars == [0, 0, 1, 1, 0, 0])
        #expect(try x.expanded(to: [2, 2, 3]).count == 12)
        let n = try Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]).l2Normalized(axis: 1)
        #expect(n.scalars == [0.6, 0.8, 0, 0])
    }

    @Test func autogradAccumulatesAndFreesTheGraph() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        try (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, 4])
        try (x * 3).sum().backward()
        #expect(x.grad?.scalars == [5, 7])
        x.grad = nil
        #expect(x.grad == nil)
        // A value used twice gets both contributions.
        let y = x * 2
        try (try y * y).sum().backward()
        #expect(x.grad?.scalars == [8, 16])
        #expect(x.isLeaf && !y.isLeaf && y.requiresGrad)
    }

    /// The gradient of a reduction is broadcast back over a large input (a regression:
    /// the broadcast once read a one-element placeholder as if it were full size).
    @Test func largeReductionGradient() throws {
        let x = try Tensor.ones([256, 512, 16]).requiringGrad()
        try x.sum(axes: [2]).sum().backward()
        #expect(x.grad?.scalars.allSatisfy { $0 == 1 } == true)
        let e = try Tensor(shape: [2, 1], scalars: [3, 4]).expanded(to: [3, 2, 5])
        #expect(
            e.scalars == [Float](repeating: 3, count: 5) + [Float](repeating: 4, count: 5)
                + [Float](repeating: 3, count: 5) + [Float](repeating: 4, count: 5) + [Float](repeating: 3, count: 5)
                + [Float](repeating: 4, count: 5))
    }

    @Test func detachAndNoGrad() throws {
        let x = try Tensor.ones([3]).requiringGrad()
        #expect(!x.detached().requiresGrad)
        let y = withoutGrad { x * 2 }
        #expect(!y.requiresGrad)
        #expect(isGradEnabled)
        let z = try (x.detached() * 2 + x).sum()
        try z.backward()
        #expect(x.grad?.scalars == [1, 1, 1])
        let c = try Tensor.ones([2]).requiringGrad()
        #expect(!(try c.gt(Tensor(0))).requiresGrad)
    }

    @Test func assignKeepsTheLeaf() throws {
        var p = try Tensor.ones([2]).requiringGrad()
        try (p * 2).sum().backward()
        try p.assign(Tensor.zeros([2]))
        #expect(p.scalars == [0, 0])
        #expect(p.requiresGrad && p.grad?.scalars == [2, 2])
    }

    @Test func descriptions() throws {
        #expect(try Tensor(shape: [2], scalars: [1, 0.5]).description == "Tensor([2]: [1, 0.5])")
        #expect(try Tensor.ones([3, 3]).description == "Tensor([3, 3], mean 1, min 1, max 1)")
        #expect(TensorError("matmul", "x").description == "matmul: x")
    }
}

@Suite("Threads and determinism", .serialized)
struct DeterminismTests {
    /// A forward and backward pass through conv, BN, pooling and linear.
    private func step(seed: UInt64) throws -> [Float] {
        var d = TestData(seed: seed)
        let x = d.normal([8, 3, 16, 16])
        let w = d.normal([16, 3, 3, 3]).requiringGrad()
        let fc = d.normal([10, 16]).requiringGrad()
        let h = try Tensor.maxPool2d(
            Tensor.batchNorm(Tensor.conv2d(x, weight: w, padding: 1), weight: nil, bias: nil).relu(), kernel: 2)
        let loss = try Tensor.crossEntropy(Tensor.linear(Tensor.globalAvgPool2d(h), weight: fc), labels: Array(0..<8))
        try loss.backward()
        return [try loss.item()] + w.grad!.scalars + fc.grad!.scalars
    }

    @Test func bitIdenticalRunToRun() throws {
        for n in [1, 2] {
            let (a, b) = try ThreadCountGuard.changing {
                Threads.count = n
                return (try step(seed: 5), try step(seed: 5))
            }
            #expect(a == b, "threads \(n)")
        }
    }

    /// Batch norm (with its fused ReLU), softmax and the SIMD loops give the same bits with
    /// one thread or two: the channel blocks, and so where a partial vector falls, differ
    /// between the two, but a channel's or a row's arithmetic does not.
    @Test func kernelsIgnoreTheThreadCount() throws {
        try ThreadCountGuard.changing { try kernelsGiveTheSameBitsWithOneOrTwoThreads() }
    }

    private func kernelsGiveTheSameBitsWithOneOrTwoThreads() throws {
        var d = TestData(seed: 6)
        let x = d.normal([64, 150, 3, 3], scale: 3)
        let w = d.normal([150])
        let b = d.normal([150])
        let r = d.normal([64, 1350])
        func run() throws -> [[Float]] {
            let leaf = x.requiringGrad()
            let y = try Tensor.batchNorm(leaf, weight: w, bias: b, relu: true)
            let p = try (y.reshaped([64, 1350]) * 0.5).softmax(axis: 1)
            try (p * r).sum().backward()
            return [y.scalars, p.scalars, try #require(leaf.grad).scalars]
        }
        Threads.count = 1
        let one = try run()
        Threads.count = 2
        let two = try run()
        #expect(one == two)
    }

    @Test func threadSetting() {
        ThreadCountGuard.changing {
            Threads.count = 0
            #expect(Threads.count == 1)
        }
        #expect(Threads.count >= 1)
    }
}
