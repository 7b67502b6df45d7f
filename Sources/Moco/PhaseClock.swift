import Foundation

/// Wall-clock time spent in the named phases of training steps, summed over the steps timed: set
/// `MoCo.phases` to one and each `loss` call adds its EMA update, query forward, key forward and logits;
/// a caller adds its own phases (backward, optimizer step) with `time`. Phases are listed in the order
/// they were first timed.
public final class PhaseClock {
    public private(set) var phases: [(name: String, seconds: Double)] = []

    public init() {}

    /// Runs `body`, adding its wall-clock time to `phase`.
    public func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if let i = phases.firstIndex(where: { $0.name == phase }) {
                phases[i].seconds += s
            } else {
                phases.append((phase, s))
            }
        }
        return try body()
    }

    /// Forgets every phase's time.
    public func reset() { phases = [] }
}

extension Optional where Wrapped == PhaseClock {
    /// `body`, timed as `phase` when there is a clock.
    public func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        guard let clock = self else { return try body() }
        return try clock.time(phase, body)
    }
}
