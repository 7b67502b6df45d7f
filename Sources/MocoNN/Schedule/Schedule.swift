import Foundation

/// A value as a function of training progress, for the learning rate or MoCo's
/// momentum, evaluated every step at a fractional epoch (`epoch + step / stepsPerEpoch`).
public struct Schedule: Sendable {
    /// What kind of schedule, for printing.
    public let name: String
    private let function: @Sendable (Double) -> Double

    /// A schedule from any function of the fractional epoch.
    public init(name: String = "custom", _ function: @escaping @Sendable (Double) -> Double) {
        self.name = name
        self.function = function
    }

    /// The value at fractional epoch `epoch`.
    public func value(atEpoch epoch: Double) -> Double { function(epoch) }

    /// The value at `step` (0-based, counting all steps) with `stepsPerEpoch` steps an epoch.
    public func value(step: Int, stepsPerEpoch: Int) -> Double {
        function(Double(step) / Double(max(stepsPerEpoch, 1)))
    }

    /// Always `value`.
    public static func constant(_ value: Double) -> Schedule {
        Schedule(name: "constant(\(value))") { _ in value }
    }

    /// `base * gamma^k` where k is the number of `milestones` (epochs) reached.
    public static func step(_ base: Double, milestones: [Double], gamma: Double = 0.1) -> Schedule {
        let sorted = milestones.sorted()
        return Schedule(name: "step(\(base), milestones: \(sorted), gamma: \(gamma))") { e in
            base * Foundation.pow(gamma, Double(sorted.filter { e >= $0 }.count))
        }
    }

    /// Half-cycle cosine from `base` at epoch 0 to `final` at `epochs`, held after.
    public static func cosine(_ base: Double, final: Double = 0, epochs: Double) -> Schedule {
        Schedule(name: "cosine(\(base), \(final), epochs: \(epochs))") { e in
            let t = min(max(e / max(epochs, 1e-12), 0), 1)
            return final + (base - final) * 0.5 * (1 + cos(Double.pi * t))
        }
    }

    /// Linear warm-up from `start` to `base` over `warmupEpochs`, then half-cycle cosine to
    /// `final` at `epochs` (moco-v3's `adjust_learning_rate` with `start` 0).
    public static func warmupCosine(
        _ base: Double, final: Double = 0, warmupEpochs: Double, epochs: Double,
        start: Double = 0
    ) -> Schedule {
        Schedule(name: "warmup_cosine(\(base), warmup: \(warmupEpochs), epochs: \(epochs))") { e in
            if e < warmupEpochs { return start + (base - start) * e / warmupEpochs }
            let t = min(max((e - warmupEpochs) / max(epochs - warmupEpochs, 1e-12), 0), 1)
            return final + (base - final) * 0.5 * (1 + cos(Double.pi * t))
        }
    }

    /// moco-v3's momentum rule `m = 1 - (1 - m0) * (cos(pi * t / T) + 1) / 2`, rising from
    /// `m0` to 1 over `epochs`.
    public static func mocoV3Momentum(_ m0: Double, epochs: Double) -> Schedule {
        Schedule(name: "moco_v3_momentum(\(m0), epochs: \(epochs))") { e in
            let t = min(max(e / max(epochs, 1e-12), 0), 1)
            return 1 - (1 - m0) * (cos(Double.pi * t) + 1) / 2
        }
    }
}
