import MocoTensor

/// Which 2-d normalisation a model builds: plain batch norm, or split batch norm
/// (shuffle-BN emulation) with a number of splits.
public enum NormKind: Equatable, Sendable {
    case batchNorm
    case splitBatchNorm(splits: Int)

    func make(_ channels: Int) throws -> any Module {
        switch self {
        case .batchNorm: return try BatchNorm.twoD(channels)
        case .splitBatchNorm(let s): return s > 1 ? try SplitBatchNorm(channels, splits: s) : try BatchNorm.twoD(channels)
        }
    }
}

/// An encoder that exposes its pooled backbone features and a replaceable head `fc`,
/// as MoCo's encoders do: `forward(x) = fc(features(x))`.
public protocol Encoder: Module {
    /// The pooled backbone features `[N, featureDimension]`.
    func features(_ x: Tensor) throws -> Tensor
    /// Width of `features`.
    var featureDimension: Int { get }
    /// The head applied after the features (`fc`).
    var fc: any Module { get set }
}

extension Encoder {
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try fc(features(x)) }
}

/// Initialises every conv of `module` as torchvision's ResNet does (Kaiming normal,
/// fan out) and every batch norm with weight 1 and bias 0.
func torchvisionInit(_ module: any Module, using rng: inout RandomGenerator) throws {
    if let c = module as? Conv2d { try c.weight.update(Initializer.kaimingNormalFanOut(c.weight.value.shape, using: &rng)) }
    for child in module.children { try torchvisionInit(child.module, using: &rng) }
}
