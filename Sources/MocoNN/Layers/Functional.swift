import MocoTensor

/// `max(x, 0)` (`torch.nn.ReLU`).
public final class ReLU: Module {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x.relu() }
    public func copy() -> Self { Self() }
}

/// A layer that can add a residual to its output and apply ReLU in the same pass (batch norm):
/// `Sequential` and the ResNet blocks use it for norm-then-ReLU and for a block's
/// `relu(norm(x) + identity)`, with the same result as the separate layers.
public protocol ReLUFusing: Module {
    /// `layer(x)`, plus `residual` when given, then ReLU when `relu`.
    func callAsFunction(_ x: Tensor, relu: Bool, residual: Tensor?) throws -> Tensor
}

/// `layer(x)` followed by ReLU, fused when the layer can.
func normThenReLU(_ layer: any Module, _ x: Tensor) throws -> Tensor {
    if let fused = layer as? ReLUFusing { return try fused(x, relu: true, residual: nil) }
    return try layer(x).relu()
}

/// `relu(layer(x) + residual)`, fused when the layer can.
func normAddReLU(_ layer: any Module, _ x: Tensor, _ residual: Tensor) throws -> Tensor {
    if let fused = layer as? ReLUFusing { return try fused(x, relu: true, residual: residual) }
    return try (layer(x) + residual).relu()
}

/// Passes its input through (`torch.nn.Identity`).
public final class Identity: Module {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x }
    public func copy() -> Self { Self() }
}

/// Flattens all dimensions after the first (`torch.nn.Flatten()`).
public final class Flatten: Module {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.flattened() }
    public func copy() -> Self { Self() }
}

/// Max pooling (`torch.nn.MaxPool2d`).
public final class MaxPool2d: Module {
    public let kernel: Int, stride: Int, padding: Int
    public var isTraining = true
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        (self.kernel, self.stride, self.padding) = (kernel, stride ?? kernel, padding)
    }
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.maxPool2d(x, kernel: kernel, stride: stride, padding: padding)
    }
    public func copy() -> Self { Self(kernel: kernel, stride: stride, padding: padding) }
}

/// Average pooling (`torch.nn.AvgPool2d`, padding counted in the divisor).
public final class AvgPool2d: Module {
    public let kernel: Int, stride: Int, padding: Int
    public var isTraining = true
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        (self.kernel, self.stride, self.padding) = (kernel, stride ?? kernel, padding)
    }
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.avgPool2d(x, kernel: kernel, stride: stride, padding: padding)
    }
    public func copy() -> Self { Self(kernel: kernel, stride: stride, padding: padding) }
}

/// Global average pooling to `[N, C]` (`AdaptiveAvgPool2d(1)` then `Flatten`).
public final class GlobalAvgPool: Module {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try Tensor.globalAvgPool2d(x) }
    public func copy() -> Self { Self() }
}
