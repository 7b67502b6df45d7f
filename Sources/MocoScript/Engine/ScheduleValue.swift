import MocoNN

/// A value as a function of training progress `t` in [0, 1] (0 at the start of training, 1 at
/// the end of the planned epochs): a learning rate or MoCo's momentum. Scripts make schedules
/// with `cosine(...)` and friends, or pass any function of one argument.
public struct ScheduleValue {
    public let name: String
    let function: (Double) throws -> Double

    init(name: String, _ function: @escaping (Double) throws -> Double) { (self.name, self.function) = (name, function) }

    static func constant(_ x: Double) -> ScheduleValue { ScheduleValue(name: "constant(\(Value.format(x)))") { _ in x } }

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

/// Holds the first error thrown by a script function called from inside the engine.
final class FailureBox: @unchecked Sendable {
    var error: Error?
}

/// Script functions are called on the interpreter's thread only (the trainer evaluates
/// schedules between steps on the calling thread).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
