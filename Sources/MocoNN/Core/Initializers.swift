import MocoTensor

/// Weight initialisations as PyTorch and torchvision define them.
public enum Initializer {
    /// PyTorch's default for `Conv2d` and `Linear` weights (`kaiming_uniform_(a=sqrt(5))`):
    /// uniform in `±1/sqrt(fanIn)`.
    public static func pytorchDefault(_ shape: [Int], using rng: inout RandomGenerator) throws -> Tensor {
        let bound = 1 / Float(max(fanIn(shape), 1)).squareRoot()
        return try Tensor.uniform(shape, low: -bound, high: bound, using: &rng)
    }

    /// PyTorch's default bias: uniform in `±1/sqrt(fanIn)` of the weight.
    public static func pytorchDefaultBias(_ count: Int, fanIn: Int, using rng: inout RandomGenerator) throws -> Tensor {
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        return try Tensor.uniform([count], low: -bound, high: bound, using: &rng)
    }

    /// torchvision's ResNet conv init: `kaiming_normal_(mode='fan_out', nonlinearity='relu')`,
    /// normal with std `sqrt(2 / fanOut)`.
    public static func kaimingNormalFanOut(_ shape: [Int], using rng: inout RandomGenerator) throws -> Tensor {
        let fanOut = shape[0] * shape.dropFirst(2).reduce(1, *)
        return try Tensor.randn(shape, std: (2 / Float(max(fanOut, 1))).squareRoot(), using: &rng)
    }

    /// Inputs per output of a weight of this shape: `in * kH * kW` (or `in` for linear).
    public static func fanIn(_ shape: [Int]) -> Int { shape.dropFirst().reduce(1, *) }
}
