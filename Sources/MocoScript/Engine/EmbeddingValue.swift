import Foundation
import MocoTensor

/// A 2-D t-SNE embedding with the labels of its points, ready to plot coloured by class.
public final class EmbeddingValue {
    /// `count` rows of (x, y).
    public let points: [Double]
    public let count: Int
    public let divergence: Double
    /// Class index per point, or nil when the data had none.
    public let labels: [Int]?
    public let classes: [String]
    /// What was embedded ("digits.test, backbone features").
    public let source: String

    init(points: [Double], count: Int, divergence: Double, labels: [Int]?, classes: [String], source: String) {
        (self.points, self.count, self.divergence, self.labels, self.classes, self.source) = (
            points, count, divergence, labels, classes, source
        )
    }

    var summary: String { "t-SNE of \(count) points (\(source)), KL \(String(format: "%.4f", divergence))" }

    var tensor: Tensor { (try? Tensor(shape: [count, 2], scalars: points.map(Float.init))) ?? Tensor(0) }
}
