/// Lets tests through one at a time where each would take every core (a notebook rendered or executed by another
/// process, train.py under torchrun): side by side they would fight over the cores, OpenMP's teams waiting on threads
/// the system has paused. A test waiting its turn holds no thread.
public actor Turnstile {
    /// The turnstile of the processes that train: the shipped notebooks' renders and kernels, and the torchrun tests.
    public static let training = Turnstile()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` once no other body of this turnstile runs.
    public nonisolated func pass<T>(_ body: () async throws -> T) async rethrows -> T {
        await enter()
        do {
            let result = try await body()
            await leave()
            return result
        } catch {
            await leave()
            throw error
        }
    }

    private func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
