import MocoTensor

/// A trainable tensor with a stable identity: modules hold it, optimizers update it in
/// place, and the key encoder's copy is moved towards it by EMA.
public final class Parameter {
    /// The current values, a leaf that requires grad (unless frozen).
    public var value: Tensor

    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = requiresGrad ? value.requiringGrad() : value.detached()
    }

    /// The gradient accumulated by the last `backward()`, if any.
    public var grad: Tensor? {
        get { value.grad }
        set { value.grad = newValue }
    }

    /// Whether `backward()` computes a gradient for this parameter.
    public var requiresGrad: Bool {
        get { value.requiresGrad }
        set { value = newValue ? value.requiringGrad() : value.detached() }
    }

    /// Replaces the values in place (same shape), keeping identity and gradient.
    public func update(_ newValues: Tensor) throws {
        try value.assign(newValues)
    }

    /// An independent parameter with the same values (copy-on-write storage).
    func copy() -> Parameter { Parameter(value, requiresGrad: requiresGrad) }
}

/// A non-trainable tensor saved with the model (running statistics). `Int64` buffers
/// (such as `num_batches_tracked`) keep integer values exactly.
public final class Buffer {
    public enum Value: Equatable {
        case float(Tensor)
        case int64([Int64], shape: [Int])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case let (.float(x), .float(y)): return x.shape == y.shape && x.scalars == y.scalars
            case let (.int64(x, s), .int64(y, t)): return x == y && s == t
            default: return false
            }
        }
    }

    public var value: Value

    public init(_ value: Value) { self.value = value }

    func copy() -> Buffer { Buffer(value) }
}
