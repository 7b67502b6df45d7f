/// Holds the first error thrown by a script function called from inside the engine.
///
/// `@unchecked Sendable` because the engine's schedules are `@Sendable` closures; they run, and
/// write here, on the interpreter's thread only (the trainer evaluates schedules between steps on
/// the calling thread), which also reads it after training.
final class FailureBox: @unchecked Sendable {
    var error: Error?
}

/// A script function (or another interpreter object) inside a `@Sendable` engine closure.
/// `@unchecked Sendable`: script functions are called on the interpreter's thread only (the
/// trainer evaluates schedules between steps on the calling thread).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
