import MocoTensor

/// Fully connected layer (`torch.nn.Linear`): `y = x W^T + b`.
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public var isTraining = true

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, using rng: inout RandomGenerator) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw ModelError("Linear", "needs positive sizes, got \(inFeatures) -> \(outFeatures)")
        }
        weight = Parameter(try Initializer.pytorchDefault([outFeatures, inFeatures], using: &rng))
        self.bias =
            bias ? Parameter(try Initializer.pytorchDefaultBias(outFeatures, fanIn: inFeatures, using: &rng)) : nil
    }

    private init(copying other: Linear) {
        weight = other.weight.copy()
        bias = other.bias?.copy()
        isTraining = other.isTraining
    }

    public var inFeatures: Int { weight.value.shape[1] }
    public var outFeatures: Int { weight.value.shape[0] }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.linear(x, weight: weight.value, bias: bias?.value)
    }

    public func copy() -> Self { Self(copying: self) }
}
