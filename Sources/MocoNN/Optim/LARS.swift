import MocoTensor

/// LARS as in moco-v3's `optimizer.py`: for parameters with more than one dimension,
/// `d = g + wd * p` scaled by the trust ratio `eta * ||p|| / ||d||` (1 when either norm
/// is 0); parameters of one dimension or fewer (biases, BN) take `d = g` with no weight
/// decay and no adaptation. Then `mu = momentum * mu + d` (from zeros), `p -= lr * mu`.
public final class LARS: Optimizer {
    public let parameters: [Parameter]
    public var lr: Float
    public let momentum: Float, weightDecay: Float, trustCoefficient: Float
    private var buffers = OptimizerBuffers()

    public init(
        _ parameters: [Parameter], lr: Float, momentum: Float = 0.9, weightDecay: Float = 0,
        trustCoefficient: Float = 0.001
    ) throws {
        guard lr >= 0, momentum >= 0, weightDecay >= 0, trustCoefficient > 0 else {
            throw ModelError(
                "LARS", "lr, momentum and weight decay must be non-negative and the trust coefficient positive")
        }
        (self.parameters, self.lr, self.momentum, self.weightDecay, self.trustCoefficient) = (
            parameters, lr, momentum, weightDecay, trustCoefficient
        )
    }

    public func step() throws {
        buffers.step += 1
        try withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard var d = p.grad else { continue }
                let w = p.value.detached()
                if w.rank > 1 {
                    d = try d + w * weightDecay
                    let pn = try (w * w).sum().sqrt().item()
                    let un = try (d * d).sum().sqrt().item()
                    if pn > 0 && un > 0 { d = d * (trustCoefficient * pn / un) }
                }
                let key = "\(i).mu"
                let mu = try buffers.buffers[key].map { try $0 * momentum + d } ?? d
                buffers.buffers[key] = mu
                try p.update(w - mu * lr)
            }
        }
    }

    public func state() -> [String: Tensor] { buffers.saved() }

    public func load(state: [String: Tensor]) throws {
        try buffers.restore(state, parameters: parameters, names: ["mu"], optimizer: "LARS")
    }
}
