import MocoTensor

/// An optimizer over a fixed list of parameters, with PyTorch's update rules.
///
/// `lr` may change between steps (schedules set it). The state (momentum buffers,
/// moments, step count) is saveable with `state()` and restorable with `load(state:)`,
/// under names `"<index>.<buffer>"` plus `"step"`.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    var lr: Float { get set }
    /// Applies one update from the parameters' current gradients (parameters without a
    /// gradient are skipped).
    func step() throws
    /// The optimizer's state as named tensors.
    func state() -> [String: Tensor]
    /// Restores a state produced by `state()` for the same parameters.
    func load(state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for p in parameters { p.grad = nil }
    }
}

/// Per-parameter buffers keyed by name, with save/restore shared by the optimizers.
struct OptimizerBuffers {
    var buffers: [String: Tensor] = [:]
    var step = 0

    func saved() -> [String: Tensor] {
        var s = buffers
        s["step"] = Tensor(Float(step))
        return s
    }

    mutating func restore(_ state: [String: Tensor], parameters: [Parameter], names: [String], optimizer: String) throws
    {
        var restored: [String: Tensor] = [:]
        for (key, t) in state where key != "step" {
            let parts = key.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let i = Int(parts[0]), parameters.indices.contains(i),
                names.contains(String(parts[1]))
            else {
                throw ModelError(optimizer, "state has an unknown entry \(key)")
            }
            guard t.shape == parameters[i].value.shape else {
                throw ModelError(
                    optimizer,
                    "state entry \(key) has shape \(t.shape), parameter \(i) has \(parameters[i].value.shape)")
            }
            guard t.scalars.allSatisfy(\.isFinite) else {
                throw ModelError(optimizer, "state entry \(key) holds NaN or infinite values")
            }
            restored[key] = t
        }
        // A float32 counts exactly up to 2^24 steps; beyond that (or NaN, infinite, negative) it is refused.
        guard let s = state["step"], s.count == 1, let v = try? s.item(), let n = Int(exactly: v),
            (0...(1 << 24)).contains(n)
        else {
            throw ModelError(optimizer, "state has no valid step count")
        }
        buffers = restored
        step = n
    }
}
