import Foundation

/// Another program run by a test (Python with PyTorch or Jupyter's client, the moco binary), its output collected.
public enum Subprocess {
    /// Runs `executable` with `arguments` in `directory`, with this process's environment and `environment` on top,
    /// stdout and stderr together; ends it after `timeout` seconds. Returns its status and output. The calling task
    /// waits without holding a thread.
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String] = [:],
        timeout: TimeInterval
    ) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("moco-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        (process.standardOutput, process.standardError) = (handle, handle)
        let running = Running(process)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(timeout))
            running.stop()
        }
        defer { watchdog.cancel() }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in done.resume() }
            do { try process.run() } catch {
                process.terminationHandler = nil
                done.resume(throwing: error)
            }
        }
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// A started process that a watchdog may end.
    private final class Running: @unchecked Sendable {  // Process's own methods are thread-safe
        let process: Process
        init(_ process: Process) { self.process = process }
        func stop() { if process.isRunning { process.terminate() } }
    }
}
