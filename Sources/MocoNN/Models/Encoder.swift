import MocoTensor

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
