import MocoTensor
import Testing

/// The largest elementwise difference `max |a - b|`, or nil when the two cannot be compared (different shapes,
/// or nothing to compare), so a test never passes on tensors it did not look at.
public func maxDifference(_ a: Tensor, _ b: Tensor) -> Float? {
    guard a.shape == b.shape, a.count > 0 else { return nil }
    return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()
}

/// `max |a - b| / max(max |b|, floor)` (the difference relative to the reference's largest magnitude, which is
/// taken as at least `floor`), or nil as `maxDifference`.
public func maxRelativeDifference(_ a: Tensor, _ b: Tensor, floor: Float = 1e-6) -> Float? {
    guard let d = maxDifference(a, b) else { return nil }
    return d / max(b.scalars.map(abs).max() ?? 0, floor)
}

/// Expects `actual` and `expected` to have the same shape and to differ by at most `tolerance` everywhere
/// (relative to `expected`'s largest magnitude when `relative`); otherwise records what differs.
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float, relative: Bool = false,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    let label = what().isEmpty ? "" : what() + ": "
    guard actual.shape == expected.shape else {
        Issue.record("\(label)shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    guard actual.count > 0 else {
        Issue.record("\(label)empty tensors compare nothing", sourceLocation: sourceLocation)
        return
    }
    let d = (relative ? maxRelativeDifference(actual, expected) : maxDifference(actual, expected)) ?? .nan
    if !(d <= tolerance) {
        Issue.record(
            "\(label)\(relative ? "relative " : "")difference \(d) exceeds \(tolerance)", sourceLocation: sourceLocation
        )
    }
}
