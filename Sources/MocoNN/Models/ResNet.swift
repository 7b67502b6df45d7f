import MocoTensor

/// torchvision's `BasicBlock`: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU.
public final class BasicBlock: Module {
    public let conv1: Conv2d, bn1: any Module, conv2: Conv2d, bn2: any Module
    public let downsample: Sequential?
    public var isTraining = true

    init(_ inPlanes: Int, _ planes: Int, stride: Int, norm: NormKind, using rng: inout RandomGenerator) throws {
        conv1 = try Conv2d(inPlanes, planes, kernel: 3, stride: stride, padding: 1, bias: false, using: &rng)
        bn1 = try norm.make(planes)
        conv2 = try Conv2d(planes, planes, kernel: 3, padding: 1, bias: false, using: &rng)
        bn2 = try norm.make(planes)
        downsample =
            stride != 1 || inPlanes != planes
            ? Sequential([
                try Conv2d(inPlanes, planes, kernel: 1, stride: stride, bias: false, using: &rng), try norm.make(planes)
            ])
            : nil
    }

    private init(copying o: BasicBlock) {
        (conv1, bn1, conv2, bn2, downsample, isTraining) = (
            o.conv1.copy(), o.bn1.copy(), o.conv2.copy(), o.bn2.copy(), o.downsample?.copy(), o.isTraining
        )
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
            + (downsample.map { [("downsample", $0 as any Module)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let identity = try downsample?(x) ?? x
        return try normAddReLU(bn2, conv2(normThenReLU(bn1, conv1(x))), identity)
    }

    public func copy() -> Self { Self(copying: self) }
}

/// ResNet-18/34 with BasicBlocks, torchvision's layout and state-dict names, a width
/// multiplier (`width` 64 is the standard network) and two stems:
/// - `.cifar`: conv 3x3 stride 1, no max-pool (as the CIFAR-10 MoCo demo), conv1
///   initialised with PyTorch's default (the demo replaces it);
/// - `.imagenet`: conv 7x7 stride 2 and a 3x3 stride-2 max-pool.
public final class ResNet: Encoder {
    public enum Stem: Sendable { case cifar, imagenet }

    public let conv1: Conv2d, bn1: any Module
    public let stem: Stem
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public var fc: any Module
    public var isTraining = true
    public let featureDimension: Int

    /// - Parameters:
    ///   - depth: 18 or 34.
    ///   - width: channels of the first stage (64 for the standard ResNet).
    ///   - inputChannels: 3 for colour, 1 for digits and MNIST.
    ///   - classes: outputs of `fc`.
    public init(
        depth: Int = 18, width: Int = 64, stem: Stem = .cifar, inputChannels: Int = 3, classes: Int = 1000,
        norm: NormKind = .batchNorm, using rng: inout RandomGenerator
    ) throws {
        let blocks: [Int]
        switch depth {
        case 18: blocks = [2, 2, 2, 2]
        case 34: blocks = [3, 4, 6, 3]
        default: throw ModelError("ResNet", "depth must be 18 or 34, got \(depth)")
        }
        guard width > 0, inputChannels > 0, classes > 0 else {
            throw ModelError("ResNet", "width, input channels and classes must be positive")
        }
        self.stem = stem
        conv1 =
            stem == .cifar
            ? try Conv2d(inputChannels, width, kernel: 3, stride: 1, padding: 1, bias: false, using: &rng)
            : try Conv2d(inputChannels, width, kernel: 7, stride: 2, padding: 3, bias: false, using: &rng)
        bn1 = try norm.make(width)
        var inPlanes = width
        func stage(_ planes: Int, _ n: Int, _ stride: Int) throws -> Sequential {
            var layers: [any Module] = []
            for i in 0..<n {
                layers.append(try BasicBlock(inPlanes, planes, stride: i == 0 ? stride : 1, norm: norm, using: &rng))
                inPlanes = planes
            }
            return Sequential(layers)
        }
        layer1 = try stage(width, blocks[0], 1)
        layer2 = try stage(width * 2, blocks[1], 2)
        layer3 = try stage(width * 4, blocks[2], 2)
        layer4 = try stage(width * 8, blocks[3], 2)
        featureDimension = width * 8
        fc = try Linear(width * 8, classes, using: &rng)
        // torchvision init for convs and BN; the CIFAR stem keeps PyTorch's default conv init.
        var initRNG = rng.stream("torchvision-init")
        let stemWeight = conv1.weight.value
        try torchvisionInit(self, using: &initRNG)
        if stem == .cifar { try conv1.weight.update(stemWeight) }
    }

    private init(copying o: ResNet) {
        (conv1, bn1, stem, layer1, layer2, layer3, layer4) = (
            o.conv1.copy(), o.bn1.copy(), o.stem, o.layer1.copy(), o.layer2.copy(), o.layer3.copy(), o.layer4.copy()
        )
        (fc, isTraining, featureDimension) = (o.fc.copy(), o.isTraining, o.featureDimension)
    }

    public var children: [(name: String, module: any Module)] {
        [
            ("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3),
            ("layer4", layer4), ("fc", fc)
        ]
    }

    public func features(_ x: Tensor) throws -> Tensor {
        var h = try normThenReLU(bn1, conv1(x))
        if stem == .imagenet { h = try Tensor.maxPool2d(h, kernel: 3, stride: 2, padding: 1) }
        h = try layer4(layer3(layer2(layer1(h))))
        return try Tensor.globalAvgPool2d(h)
    }

    public func copy() -> Self { Self(copying: self) }
}
