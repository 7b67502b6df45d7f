import Foundation
import MocoNN
import MocoTensor

extension RepresentationMetrics {
    /// RankMe (Garrido et al. 2023), the effective rank of features `[N, D]`: with `sigma` their singular values and
    /// `p_k = sigma_k / sum(sigma) + 1e-7`, `exp(-sum p_k log p_k)`. About k for features that span k directions
    /// evenly; 1 for a collapsed embedding. Computed in double precision.
    public static func rankMe(_ f: Tensor) throws -> Double {
        guard f.rank == 2, f.shape[0] > 0, f.shape[1] > 0 else {
            throw MoCoError("rankme", "needs features [N, D], got shape \(f.shape)")
        }
        let (n, d) = (f.shape[0], f.shape[1])
        let x = f.scalars.map(Double.init)
        // The smaller Gram matrix has the squared singular values as eigenvalues.
        let m = min(n, d)
        var gram = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in a..<m {
                var s = 0.0
                if n <= d {
                    for k in 0..<d { s += x[a * d + k] * x[b * d + k] }
                } else {
                    for k in 0..<n { s += x[k * d + a] * x[k * d + b] }
                }
                (gram[a * m + b], gram[b * m + a]) = (s, s)
            }
        }
        let sigma = try Tensor.symmetricEigenvalues(gram, n: m).map { max($0, 0).squareRoot() }
        let total = sigma.reduce(0, +)
        guard total > 0 else { return 1 }
        let p = sigma.map { $0 / total + 1e-7 }
        return exp(-p.reduce(0) { $0 + $1 * log($1) })
    }
}

/// Label-free health of a MoCo encoder on held-out images, measured after each epoch without stopping training.
public struct Diagnostics: Equatable, Sendable, Codable {
    /// The epoch after which they were measured.
    public var epoch: Int
    /// RankMe of the backbone features.
    public var rankMe: Double
    /// The mean per-dimension std of the L2-normalised head features (collapse drives it to 0) ...
    public var featureStd: Double
    /// ... to compare with `1/sqrt(d)`, its value for features spread evenly on the sphere.
    public var featureStdReference: Double
    /// Alignment of two augmented views' normalised head features (lower is better).
    public var alignment: Double
    /// Uniformity of the normalised head features, t = 2 (lower is better).
    public var uniformity: Double
}

/// Measures `Diagnostics` on fixed held-out images: `images` as evaluations see them (for RankMe, the collapse std and
/// uniformity) and two augmented views of them drawn once (for alignment), so epochs are compared on the same input.
public struct DiagnosticsProbe {
    public let images: Tensor
    public let views: (Tensor, Tensor)

    public init(images: Tensor, views: (Tensor, Tensor)) throws {
        guard images.rank == 4, images.shape[0] >= 2, views.0.shape == views.1.shape,
            views.0.shape[0] == images.shape[0]
        else {
            throw MoCoError("diagnostics", "needs at least 2 images and two views of each")
        }
        (self.images, self.views) = (images, views)
    }

    public func measure(_ encoder: any Encoder, epoch: Int) throws -> Diagnostics {
        let backbone = try backboneFeatures(encoder, images)
        let head = try normalizedFeatures(encoder, images, source: .head)
        let (std, reference) = try RepresentationMetrics.featureStd(head)
        let a = try normalizedFeatures(encoder, views.0, source: .head)
        let b = try normalizedFeatures(encoder, views.1, source: .head)
        return Diagnostics(
            epoch: epoch, rankMe: try RepresentationMetrics.rankMe(backbone), featureStd: Double(std),
            featureStdReference: Double(reference), alignment: Double(try RepresentationMetrics.alignment(a, b)),
            uniformity: Double(try RepresentationMetrics.uniformity(head)))
    }
}
