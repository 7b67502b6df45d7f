import MocoTensor

/// MoCo's projection heads and predictor, as `Sequential`s whose state-dict names match
/// the reference implementations.
public enum Heads {
    /// MoCo v1: one linear layer `in -> dim`.
    public static func v1(_ inFeatures: Int, dim: Int, using rng: inout RandomGenerator) throws -> any Module {
        try Linear(inFeatures, dim, using: &rng)
    }

    /// MoCo v2: `Linear(in, hidden) - ReLU - Linear(hidden, dim)` (`fc.0`, `fc.2`), as
    /// builder.py's replacement of `fc` (hidden = in there).
    public static func v2(_ inFeatures: Int, hidden: Int? = nil, dim: Int, using rng: inout RandomGenerator) throws
        -> Sequential
    {
        let h = hidden ?? inFeatures
        return Sequential([try Linear(inFeatures, h, using: &rng), ReLU(), try Linear(h, dim, using: &rng)])
    }

    /// MoCo v3 projector, `layers` linear layers (3 by default): each but the last is
    /// `Linear(no bias) - BN1d - ReLU`; the last is `Linear(no bias) - BN1d(affine: false)`.
    public static func v3Projector(
        _ inFeatures: Int, hidden: Int, dim: Int, layers: Int = 3,
        using rng: inout RandomGenerator
    ) throws -> Sequential {
        try mlp(inFeatures, hidden: hidden, dim: dim, layers: layers, lastBN: true, using: &rng)
    }

    /// MoCo v3 predictor, `layers` linear layers (2 by default): `Linear(no bias) - BN1d -
    /// ReLU`, then a last `Linear(no bias)` without batch norm (moco-v3 builds it with
    /// `last_bn=False`).
    public static func v3Predictor(
        _ inFeatures: Int, hidden: Int, dim: Int, layers: Int = 2,
        using rng: inout RandomGenerator
    ) throws -> Sequential {
        try mlp(inFeatures, hidden: hidden, dim: dim, layers: layers, lastBN: false, using: &rng)
    }

    /// moco-v3's `_build_mlp`.
    static func mlp(
        _ inFeatures: Int, hidden: Int, dim: Int, layers: Int, lastBN: Bool,
        using rng: inout RandomGenerator
    ) throws -> Sequential {
        guard layers >= 1 else { throw ModelError("mlp", "needs at least one layer, got \(layers)") }
        var mods: [any Module] = []
        for l in 0..<layers {
            let d1 = l == 0 ? inFeatures : hidden
            let d2 = l == layers - 1 ? dim : hidden
            mods.append(try Linear(d1, d2, bias: false, using: &rng))
            if l < layers - 1 {
                mods.append(try BatchNorm.oneD(d2))
                mods.append(ReLU())
            } else if lastBN {
                mods.append(try BatchNorm.oneD(d2, affine: false))
            }
        }
        return Sequential(mods)
    }
}
