import MocoTensor

/// Children applied in order, named `0`, `1`, ... (`torch.nn.Sequential`).
public final class Sequential: Module {
    public let layers: [any Module]
    public var isTraining = true

    public init(_ layers: [any Module]) { self.layers = layers }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// Runs the layers in order; a norm followed by `ReLU` runs as one fused pass.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = x
        var i = 0
        while i < layers.count {
            if i + 1 < layers.count, layers[i + 1] is ReLU {
                h = try normThenReLU(layers[i], h)
                i += 2
            } else {
                h = try layers[i](h)
                i += 1
            }
        }
        return h
    }

    public func copy() -> Self {
        let c = Self(layers.map { $0.copy() })
        c.isTraining = isTraining
        return c
    }
}
