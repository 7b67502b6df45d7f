import MocoNN
import MocoTensor
import Testing

@Suite("Modules")
struct ModuleTests {
    @Test func resnetSizesMatchTorchvision() throws {
        var rng = RandomGenerator(seed: 0)
        // torchvision resnet18 with the CIFAR stem and 10 classes: 11,173,962 parameters.
        #expect(try ResNet(depth: 18, stem: .cifar, classes: 10, using: &rng).parameterCount == 11_173_962)
        // torchvision resnet18 / resnet34 (ImageNet stem, 1000 classes).
        #expect(try ResNet(depth: 18, stem: .imagenet, using: &rng).parameterCount == 11_689_512)
        #expect(try ResNet(depth: 34, stem: .imagenet, using: &rng).parameterCount == 21_797_672)
        let digits = try ResNet(depth: 18, width: 16, stem: .cifar, inputChannels: 1, classes: 10, using: &rng)
        #expect(try digits(Tensor.zeros([2, 1, 8, 8])).shape == [2, 10])
        let imagenet = try ResNet(depth: 18, width: 8, stem: .imagenet, classes: 5, using: &rng)
        #expect(try imagenet.features(Tensor.zeros([2, 3, 32, 32])).shape == [2, 64])
        #expect(throws: ModelError("ResNet", "depth must be 18 or 34, got 50")) { try ResNet(depth: 50, using: &rng) }
    }

    @Test func deepCopyIsIndependent() throws {
        let q = try smallResNet()
        let k = q.copy()
        #expect(zip(q.stateDict(), k.stateDict()).allSatisfy { $0.tensor == $1.tensor })
        try q.conv1.weight.update(Tensor.zeros(q.conv1.weight.value.shape))
        #expect(k.conv1.weight.value.scalars.contains { $0 != 0 })
        #expect(q.parameters().allSatisfy { p in !k.parameters().contains { $0 === p } })
    }

    @Test func emaMovesParametersOnly() throws {
        let q = try smallResNet(seed: 1)
        let k = try smallResNet(seed: 2)
        let before = k.conv1.weight.value.scalars
        let target = q.conv1.weight.value.scalars
        q.train()
        _ = try q(Tensor.ones([2, 3, 8, 8]))  // changes q's running statistics only
        try k.emaUpdate(from: q, momentum: 0.99)
        for (i, v) in k.conv1.weight.value.scalars.enumerated() {
            #expect(abs(v - (0.99 * before[i] + 0.01 * target[i])) < 1e-6)
        }
        #expect(
            k.namedBuffers().allSatisfy { name, b in
                if case .float(let t) = b.value, name.hasSuffix("running_mean") {
                    return t.scalars.allSatisfy { $0 == 0 }
                }
                return true
            })
    }

    @Test func trainAndEvalModes() throws {
        let m = try smallResNet()
        m.eval()
        #expect(m.isTraining == false && m.layer1.layers.allSatisfy { !$0.isTraining })
        let x = try Tensor.ones([2, 3, 8, 8])
        let a = try m(x)
        let b = try m(x)
        #expect(a.scalars == b.scalars)
        if case .int64(let v, _) = m.bn1.ownBuffers[2].buffer.value { #expect(v == [0]) }
        m.train()
        _ = try m(x)
        if case .int64(let v, _) = m.bn1.ownBuffers[2].buffer.value { #expect(v == [1]) }
        m.zeroGrad()
        #expect(m.parameters().allSatisfy { $0.grad == nil })
    }

    /// Split batch norm in train mode equals batch norm applied to each interleaved split,
    /// and its running statistics are the mean of the splits' updates.
    @Test func splitBatchNormMatchesPerSplitBatchNorm() throws {
        var rng = RandomGenerator(seed: 3)
        let x = try Tensor.randn([8, 3, 2, 2], using: &rng)
        let split = try SplitBatchNorm(3, splits: 4)
        let y = try split(x)
        var means: [Tensor] = []
        for s in 0..<4 {
            let idx = [s, s + 4]
            let bn = try BatchNorm.twoD(3)
            let ys = try bn(x.indexSelect(axis: 0, idx))
            let mine = try y.indexSelect(axis: 0, idx)
            #expect(zip(ys.scalars, mine.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
            if case .float(let m) = bn.runningMean.value { means.append(m) }
        }
        let avg = try Tensor.stack(means).mean(axes: [0])
        if case .float(let m) = split.norm.runningMean.value {
            #expect(zip(m.scalars, avg.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        #expect(split.ownBuffers.map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        #expect(throws: ModelError("SplitBatchNorm", "batch of 6 cannot be split into 4 equal parts")) {
            try split(Tensor.zeros([6, 3, 2, 2]))
        }
        split.eval()
        #expect(try split(Tensor.zeros([6, 3, 2, 2])).shape == [6, 3, 2, 2])
    }

    /// `Sequential` runs a norm followed by ReLU as one fused pass: the same output,
    /// gradients and running statistics as the layers called one by one.
    @Test func sequentialFusesNormAndReLU() throws {
        var rng = RandomGenerator(seed: 4)
        for norm in [try BatchNorm.twoD(6) as any Module, try SplitBatchNorm(6, splits: 2)] {
            let x = try Tensor.randn([4, 3, 5, 5], using: &rng)
            let r = try Tensor.randn([4, 6, 5, 5], using: &rng)
            let fused = Sequential([try Conv2d(3, 6, kernel: 3, padding: 1, using: &rng), norm, ReLU()])
            let separate = fused.copy()
            let a = try fused(x)
            var b = x
            for layer in separate.layers { b = try layer(b) }
            #expect(a.scalars == b.scalars)
            try (a * r).sum().backward()
            try (b * r).sum().backward()
            #expect(
                fused.parameters().map { $0.grad?.scalars ?? [] }
                    == separate.parameters().map { $0.grad?.scalars ?? [] })
            #expect(zip(fused.stateDict(), separate.stateDict()).allSatisfy { $0.tensor == $1.tensor })
        }
    }

    @Test func headsAndConvNetNames() throws {
        var rng = RandomGenerator(seed: 4)
        let enc = try ConvNet(
            channels: [32, 64, 128], inputChannels: 1, classes: 64, norm: .splitBatchNorm(splits: 8), using: &rng)
        enc.fc = try Heads.v2(128, dim: 64, using: &rng)
        let names = enc.stateDict().map(\.name)
        #expect(
            names.first == "body.0.weight" && names.contains("body.1.running_mean")
                && names.contains("body.7.num_batches_tracked"))
        #expect(names.suffix(4) == ["fc.0.weight", "fc.0.bias", "fc.2.weight", "fc.2.bias"])
        #expect(try enc(Tensor.zeros([8, 1, 8, 8])).shape == [8, 64])
        #expect(try enc.features(Tensor.zeros([8, 1, 8, 8])).shape == [8, 128])
        let projector = try Heads.v3Projector(128, hidden: 256, dim: 64, using: &rng)
        #expect(
            projector.stateDict().map(\.name).filter { $0.hasSuffix("weight") } == [
                "0.weight", "1.weight", "3.weight", "4.weight", "6.weight"
            ])
        #expect(projector.layers.count == 8)  // Linear BN ReLU Linear BN ReLU Linear BN(affine: false)
        let predictor = try Heads.v3Predictor(64, hidden: 256, dim: 64, using: &rng)
        #expect(predictor.layers.count == 4)  // Linear BN ReLU Linear
        #expect(try predictor(Tensor.ones([4, 64])).shape == [4, 64])
        let v1 = try Heads.v1(128, dim: 64, using: &rng)
        let projected = try v1(Tensor.ones([2, 128]))
        #expect(projected.shape == [2, 64])
    }
}
