import MocoTensor

/// A small convnet: for each width, conv 3x3 (stride 1 for the first, 2 after) + BN +
/// ReLU; then global average pooling and `fc`. `ConvNet(channels: [32, 64, 128])` is the
/// W1 digits encoder of the benchmarks (`body.0.weight`, `body.1.running_mean`, ... as in
/// `moco_ref.py`).
public final class ConvNet: Encoder {
    public let body: Sequential
    public var fc: any Module
    public var isTraining = true
    public let featureDimension: Int

    public init(
        channels: [Int] = [32, 64, 128], inputChannels: Int = 1, classes: Int = 10,
        norm: NormKind = .batchNorm, using rng: inout RandomGenerator
    ) throws {
        guard !channels.isEmpty, channels.allSatisfy({ $0 > 0 }), inputChannels > 0, classes > 0 else {
            throw ModelError("ConvNet", "needs at least one positive width, positive input channels and classes")
        }
        var layers: [any Module] = []
        var inC = inputChannels
        for (i, c) in channels.enumerated() {
            layers.append(try Conv2d(inC, c, kernel: 3, stride: i == 0 ? 1 : 2, padding: 1, bias: false, using: &rng))
            layers.append(try norm.make(c))
            layers.append(ReLU())
            inC = c
        }
        body = Sequential(layers)
        featureDimension = inC
        fc = try Linear(inC, classes, using: &rng)
        var initRNG = rng.stream("torchvision-init")
        try torchvisionInit(body, using: &initRNG)
    }

    private init(copying o: ConvNet) {
        (body, fc, isTraining, featureDimension) = (o.body.copy(), o.fc.copy(), o.isTraining, o.featureDimension)
    }

    public var children: [(name: String, module: any Module)] { [("body", body), ("fc", fc)] }

    public func features(_ x: Tensor) throws -> Tensor { try Tensor.globalAvgPool2d(body(x)) }

    public func copy() -> Self { Self(copying: self) }
}
