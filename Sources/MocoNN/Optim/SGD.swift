import MocoTensor

/// Stochastic gradient descent as `torch.optim.SGD` (no dampening): `d = g + wd * p`;
/// with momentum `buf = d` at the first step, then `buf = mu * buf + d`, and
/// `d = buf` (or `d + mu * buf` with Nesterov); finally `p -= lr * d`.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var lr: Float
    public let momentum: Float, weightDecay: Float, nesterov: Bool
    private var buffers = OptimizerBuffers()

    public init(
        _ parameters: [Parameter], lr: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false
    ) throws {
        guard lr >= 0, momentum >= 0, weightDecay >= 0 else {
            throw ModelError(
                "SGD", "lr \(lr), momentum \(momentum) and weight decay \(weightDecay) must be non-negative")
        }
        guard !nesterov || momentum > 0 else { throw ModelError("SGD", "Nesterov momentum needs a positive momentum") }
        (self.parameters, self.lr, self.momentum, self.weightDecay, self.nesterov) = (
            parameters, lr, momentum, weightDecay, nesterov
        )
    }

    public func step() throws {
        buffers.step += 1
        try withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                let w = p.value.detached()
                var d = weightDecay != 0 ? try g + w * weightDecay : g
                if momentum > 0 {
                    let key = "\(i).momentum_buffer"
                    let buf = try buffers.buffers[key].map { try $0 * momentum + d } ?? d
                    buffers.buffers[key] = buf
                    d = nesterov ? try d + buf * momentum : buf
                }
                try p.update(w - d * lr)
            }
        }
    }

    public func state() -> [String: Tensor] { buffers.saved() }

    public func load(state: [String: Tensor]) throws {
        try buffers.restore(state, parameters: parameters, names: ["momentum_buffer"], optimizer: "SGD")
    }
}
