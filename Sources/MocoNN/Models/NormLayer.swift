import MocoTensor

/// Which 2-d normalisation a model builds: plain batch norm, or split batch norm
/// (shuffle-BN emulation) with a number of splits.
public enum NormKind: Equatable, Sendable {
    case batchNorm
    case splitBatchNorm(splits: Int)

    func make(_ channels: Int) throws -> any Module {
        switch self {
        case .batchNorm: return try BatchNorm.twoD(channels)
        case .splitBatchNorm(let s):
            return s > 1 ? try SplitBatchNorm(channels, splits: s) : try BatchNorm.twoD(channels)
        }
    }
}

/// Initialises every conv of `module` as torchvision's ResNet does (Kaiming normal,
/// fan out) and every batch norm with weight 1 and bias 0.
func torchvisionInit(_ module: any Module, using rng: inout RandomGenerator) throws {
    if let c = module as? Conv2d {
        try c.weight.update(Initializer.kaimingNormalFanOut(c.weight.value.shape, using: &rng))
    }
    for child in module.children { try torchvisionInit(child.module, using: &rng) }
}
