import Foundation
import MocoSupport

/// Wall-clock seconds of one call of `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The median of `reps` timings of `body`, after one untimed warm-up call.
func medianSeconds(reps: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<reps { times.append(try seconds(body)) }
    times.sort()
    return times[times.count / 2]
}

/// Medians of `reps` timings of `a` and of `b`, measured alternately (after one warm-up
/// call of each) so that drift of a shared machine affects both alike.
func interleavedMedians(reps: Int, _ a: () throws -> Void, _ b: () throws -> Void) rethrows -> (Double, Double) {
    try a()
    try b()
    var ta: [Double] = []
    var tb: [Double] = []
    for _ in 0..<reps {
        ta.append(try seconds(a))
        tb.append(try seconds(b))
    }
    ta.sort()
    tb.sort()
    return (ta[reps / 2], tb[reps / 2])
}

/// The median of `values` (the upper one of an even count).
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s[s.count / 2]
}

/// One benchmark result: ours beside the reference, in one unit.
struct BenchRow {
    let workload: String
    let unit: String
    let ours: Double
    let reference: Double
    let referenceName: String
    /// True for rates (higher is better), false for times.
    let higherIsBetter: Bool
    /// More figures for the JSON row (`ours_kl`, `reference_trust`, ...).
    var extra: [String: Double] = [:]
    /// Facts of the whole run that every JSON row carries: what each side computed with, and the environment.
    nonisolated(unsafe) static var context: [String: String] = [:]

    /// "Higher is better for us": ours/reference for rates, reference/ours for times.
    var ratio: Double { higherIsBetter ? ours / reference : reference / ours }

    var json: String {
        func num(_ x: Double) -> String { String(format: "%.4g", x) }
        return
            "{\"workload\": \"\(workload)\", \"unit\": \"\(unit)\", \"ours\": \(num(ours)), \"reference\": \(num(reference)), "
            + "\"ratio\": \(String(format: "%.3f", ratio)), \"reference_name\": \"\(referenceName)\""
            + extra.keys.sorted().map { ", \"\($0)\": \(num(extra[$0]!))" }.joined()
            + Self.context.keys.sorted().map { ", \"\($0)\": \(JSONText.quoted(Self.context[$0]!))" }.joined() + "}"
    }

    var line: String {
        let w = workload.padding(toLength: 34, withPad: " ", startingAt: 0)
        return String(format: "%@ %10.2f %10.2f  %6.3f  %@ (%@)", w, ours, reference, ratio, unit, referenceName)
    }

    static let header =
        "workload".padding(toLength: 34, withPad: " ", startingAt: 0) + "       ours  reference   ratio  unit"
}

/// A benchmark that could not run, with the reason.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
