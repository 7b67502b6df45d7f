import Foundation

/// A named sequence of measurements (loss per step, kNN accuracy per epoch) with its x values.
public struct Series {
    public let name: String
    public let xLabel: String
    public let x: [Double]
    public let y: [Double]

    var summary: String {
        guard let last = y.last else { return "series \(name): empty" }
        let finite = y.filter(\.isFinite)
        return String(
            format: "series %@: %d points over %@ %@..%@, last %@, min %@, max %@", name, y.count, xLabel,
            Value.format(x.first!), Value.format(x.last!), short(last), short(finite.min() ?? .nan),
            short(finite.max() ?? .nan))
    }

    private func short(_ v: Double) -> String { Value.format(Double(String(format: "%.4g", v)) ?? v) }
}
