import MocoNN

/// An optimizer as described in a script; it is built for a model's parameters when
/// training starts (each `train` call gets fresh optimizer state, as in PyTorch).
public struct OptimizerSpec {
    public enum Kind: String { case sgd, lars, adamw }
    public let kind: Kind
    public let lr: ScheduleValue
    public let momentum: Double
    public let weightDecay: Double
    public let nesterov: Bool
    public let betas: (Double, Double)
    public let trust: Double

    func make(_ parameters: [Parameter], lr initial: Float) throws -> any Optimizer {
        switch kind {
        case .sgd:
            return try SGD(
                parameters, lr: initial, momentum: Float(momentum), weightDecay: Float(weightDecay), nesterov: nesterov)
        case .lars:
            return try LARS(
                parameters, lr: initial, momentum: Float(momentum), weightDecay: Float(weightDecay),
                trustCoefficient: Float(trust))
        case .adamw:
            return try AdamW(
                parameters, lr: initial, betas: (Float(betas.0), Float(betas.1)), weightDecay: Float(weightDecay))
        }
    }

    var summary: String {
        switch kind {
        case .sgd:
            return
                "sgd(lr: \(lr.name), momentum: \(Value.format(momentum)), weight_decay: \(Value.format(weightDecay))\(nesterov ? ", nesterov: true" : ""))"
        case .lars:
            return
                "lars(lr: \(lr.name), momentum: \(Value.format(momentum)), weight_decay: \(Value.format(weightDecay)), trust: \(Value.format(trust)))"
        case .adamw:
            return
                "adamw(lr: \(lr.name), betas: [\(Value.format(betas.0)), \(Value.format(betas.1))], weight_decay: \(Value.format(weightDecay)))"
        }
    }
}
