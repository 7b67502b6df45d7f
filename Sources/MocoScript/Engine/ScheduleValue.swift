import MocoNN

/// A value as a function of training progress `t` in [0, 1] (0 at the start of training, 1 at
/// the end of the planned epochs): a learning rate or MoCo's momentum. Scripts make schedules
/// with `cosine(...)` and friends, or pass any function of one argument.
public struct ScheduleValue {
    public let name: String
    let function: (Double) throws -> Double

    init(name: String, _ function: @escaping (Double) throws -> Double) {
        (self.name, self.function) = (name, function)
    }

    static func constant(_ x: Double) -> ScheduleValue {
        ScheduleValue(name: "constant(\(Value.format(x)))") { _ in x }
    }

    /// This schedule, refusing any value outside `range` with a located error naming `what`
    /// (checked at t = 0 now, and at every later evaluation).
    func limited(to range: ClosedRange<Double>, what: String, at loc: Loc) throws -> ScheduleValue {
        let f = function
        let checked = ScheduleValue(name: name) { t in
            let v = try f(t)
            guard range.contains(v) else {
                throw ScriptError(
                    .runtime,
                    "\(what) must stay in [\(Value.format(range.lowerBound)), \(Value.format(range.upperBound))], "
                        + "got \(Value.format(v)) at t = \(Value.format(t))", at: loc)
            }
            return v
        }
        _ = try checked.function(0)
        return checked
    }

    /// The engine's schedule over `epochs` epochs. A script function that fails stores its
    /// error in `failure` and yields NaN; the caller rethrows it after the step.
    func engine(epochs: Int, failure: FailureBox) -> Schedule {
        let f = function
        let box = UncheckedSendable(f)
        return Schedule(name: name) { e in
            do { return try box.value(e / Double(max(epochs, 1))) } catch {
                failure.error = failure.error ?? error
                return .nan
            }
        }
    }
}
