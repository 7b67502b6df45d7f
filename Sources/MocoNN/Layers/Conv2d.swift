import MocoTensor

/// 2-D convolution (`torch.nn.Conv2d`): parameters `weight` `[out, in / groups, k, k]`
/// and optional `bias`, initialised as PyTorch does by default.
public final class Conv2d: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Int, dilation: Int, groups: Int
    public var isTraining = true

    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, using rng: inout RandomGenerator
    ) throws {
        guard inChannels > 0, outChannels > 0, kernel > 0, groups > 0,
            inChannels % groups == 0, outChannels % groups == 0
        else {
            throw ModelError(
                "Conv2d", "needs positive sizes and groups \(groups) dividing \(inChannels) and \(outChannels) channels"
            )
        }
        let shape = [outChannels, inChannels / groups, kernel, kernel]
        weight = Parameter(try Initializer.pytorchDefault(shape, using: &rng))
        self.bias =
            bias
            ? Parameter(try Initializer.pytorchDefaultBias(outChannels, fanIn: Initializer.fanIn(shape), using: &rng))
            : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
    }

    private init(copying other: Conv2d) {
        weight = other.weight.copy()
        bias = other.bias?.copy()
        (stride, padding, dilation, groups, isTraining) = (
            other.stride, other.padding, other.dilation, other.groups, other.isTraining
        )
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.conv2d(
            x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
            dilation: dilation, groups: groups)
    }

    public func copy() -> Self { Self(copying: self) }
}
