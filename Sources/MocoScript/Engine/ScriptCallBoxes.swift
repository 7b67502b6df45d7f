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
