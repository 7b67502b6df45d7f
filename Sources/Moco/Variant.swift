/// The MoCo variants: what the negatives are, what follows the query projector, and the defaults of each paper.
/// A new variant is a case here, its branch in `MoCo.loss` and `MoCo.contrastiveLogits`, and its builder in the
/// script's `moco` builtin.
public enum Variant: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// MoCo v1 (He et al. 2020): a linear head, a FIFO queue of negatives, shuffle-BN.
    case v1 = 1
    /// MoCo v2 (Chen et al. 2020): v1 with an MLP head (and stronger augmentation).
    case v2 = 2
    /// MoCo v3 (Chen, Xie & He 2021): no queue; a predictor after the projector, the other keys of the batch as
    /// negatives, a symmetric loss.
    case v3 = 3

    /// Negatives from a queue of past keys, with the key batch shuffled through split BN (v1, v2).
    public var usesQueue: Bool { self != .v3 }

    /// A predictor after the query projector, and a symmetric loss (v3).
    public var hasPredictor: Bool { self == .v3 }

    /// The softmax temperature of the variant's paper: 0.07 (v1), 0.2 (v2), 1 (v3 with ResNets).
    public var defaultTemperature: Double {
        switch self {
        case .v1: return 0.07
        case .v2: return 0.2
        case .v3: return 1
        }
    }

    /// The key encoder's momentum in the variant's paper, from the start to the end of training: 0.999 throughout
    /// (v1, v2), a cosine from 0.99 to 1 (v3).
    public var defaultMomentum: (start: Double, end: Double) { self == .v3 ? (0.99, 1) : (0.999, 0.999) }

    public var description: String { "v\(rawValue)" }
}
