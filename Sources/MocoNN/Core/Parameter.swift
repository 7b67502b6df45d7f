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
            case (.float(let x), .float(let y)): return x.shape == y.shape && x.scalars == y.scalars
            case (.int64(let x, let s), .int64(let y, let t)): return x == y && s == t
            default: return false
            }
        }
    }

    /// What a loaded value must satisfy (a running variance is finite and never negative).
    public enum Constraint: Sendable {
        case none, finite, finiteNonNegative, nonNegative

        /// Why `value` breaks the constraint, or nil.
        func violation(in value: Value) -> String? {
            switch (self, value) {
            case (.none, _): return nil
            case (.finite, .float(let t)):
                return t.scalars.allSatisfy(\.isFinite) ? nil : "holds NaN or infinite values"
            case (.finiteNonNegative, .float(let t)):
                return t.scalars.allSatisfy { $0.isFinite && $0 >= 0 } ? nil : "holds NaN, infinite or negative values"
            case (.nonNegative, .int64(let v, _)), (.finiteNonNegative, .int64(let v, _)):
                return v.allSatisfy { $0 >= 0 } ? nil : "holds negative values"
            case (.nonNegative, .float(let t)):
                return t.scalars.allSatisfy { $0 >= 0 } ? nil : "holds NaN or negative values"
            case (.finite, .int64): return nil
            }
        }
    }

    public var value: Value
    public let constraint: Constraint

    public init(_ value: Value, constraint: Constraint = .none) {
        self.value = value
        self.constraint = constraint
    }

    func copy() -> Buffer { Buffer(value, constraint: constraint) }
}
