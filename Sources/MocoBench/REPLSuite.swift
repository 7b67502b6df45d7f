import Foundation
import MocoREPL
import MocoScript

// glibc's pseudo-terminal calls, which the Glibc module does not export.
@_silgen_name("posix_openpt") private func posixOpenpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantpt(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockpt(_ fd: Int32) -> Int32
@_silgen_name("ptsname") private func ptsname(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

/// The REPL's responsiveness: start-up of `moco` on a pseudo-terminal until the first prompt
/// appears (against the 150 ms budget), and one tab completion in a session with 1,000
/// names in scope (against 20 ms).
struct REPLSuite {
    let binary: String
    let reps: Int
    let log: (String) -> Void

    func run() throws -> [BenchRow] {
        var startups: [Double] = []
        for _ in 0..<max(reps, 5) { startups.append(try startup()) }
        startups.sort()
        var rows = [
            BenchRow(
                workload: "repl-startup", unit: "s", ours: startups[startups.count / 2], reference: 0.150,
                referenceName: "budget of 150 ms", higherIsBetter: false)
        ]
        log(rows[0].line)

        let interp = Interpreter()
        try interp.run(
            (0..<1_000).map { "let name_\($0) = \($0)" }.joined(separator: "\n") + "\nlet data = dataset(\"digits\")",
            name: "setup")
        let completer = Completer(interpreter: interp)
        var times: [Double] = []
        for k in 0..<200 {
            let prefix = ["name_1", "na", "data.tr", "train(data, ep", "kn"][k % 5]
            times.append(seconds { _ = completer.complete(prefix) })
        }
        times.sort()
        rows.append(
            BenchRow(
                workload: "repl-completion-1000-names", unit: "s", ours: times[times.count / 2], reference: 0.020,
                referenceName: "budget of 20 ms", higherIsBetter: false, extra: ["ours_max": times.last!]))
        log(rows[1].line)
        return rows
    }

    /// Seconds from spawning `moco` on a fresh pseudo-terminal to its first prompt.
    func startup() throws -> Double {
        let master = posixOpenpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
            throw BenchFailure("cannot open a pseudo-terminal")
        }
        defer { close(master) }
        let slave = FileHandle(forUpdatingAtPath: String(cString: name))!
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.environment = [
            "TERM": "xterm", "NO_COLOR": "1", "MOCO_HISTORY": "/dev/null", "HOME": NSTemporaryDirectory()
        ]
        (process.standardInput, process.standardOutput, process.standardError) = (slave, slave, slave)
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        var seen = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !seen.contains("moco> ") {
            let n = read(master, &buffer, buffer.count)
            guard n > 0 else { throw BenchFailure("moco closed the terminal before its prompt") }
            seen += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        process.terminate()
        process.waitUntilExit()
        try? slave.close()
        return elapsed
    }
}
