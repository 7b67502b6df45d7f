import Foundation
import MocoTensor

/// AdamW as `torch.optim.AdamW` (no amsgrad): `p *= 1 - lr * wd`;
/// `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`;
/// `p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
public final class AdamW: Optimizer {
    public let parameters: [Parameter]
    public var lr: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    private var buffers = OptimizerBuffers()

    public init(
        _ parameters: [Parameter], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
        weightDecay: Float = 0.01
    ) throws {
        guard lr >= 0, eps >= 0, weightDecay >= 0, (0..<1).contains(betas.0), (0..<1).contains(betas.1) else {
            throw ModelError("AdamW", "lr, eps and weight decay must be non-negative and betas in [0, 1)")
        }
        (self.parameters, self.lr, beta1, beta2, self.eps, self.weightDecay) = (
            parameters, lr, betas.0, betas.1, eps, weightDecay
        )
    }

    public func step() throws {
        buffers.step += 1
        let t = Float(buffers.step)
        let c1 = 1 - Foundation.pow(beta1, t)
        let c2 = 1 - Foundation.pow(beta2, t)
        try withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                let w = p.value.detached() * (1 - lr * weightDecay)
                let m = try (buffers.buffers["\(i).exp_avg"] ?? Tensor.zeros(like: g)) * beta1 + g * (1 - beta1)
                let v =
                    try (buffers.buffers["\(i).exp_avg_sq"] ?? Tensor.zeros(like: g)) * beta2 + (g * g) * (1 - beta2)
                buffers.buffers["\(i).exp_avg"] = m
                buffers.buffers["\(i).exp_avg_sq"] = v
                let denom = v.sqrt() / c2.squareRoot() + eps
                try p.update(w - (m / denom) * (lr / c1))
            }
        }
    }

    public func state() -> [String: Tensor] { buffers.saved() }

    public func load(state: [String: Tensor]) throws {
        try buffers.restore(state, parameters: parameters, names: ["exp_avg", "exp_avg_sq"], optimizer: "AdamW")
    }
}
