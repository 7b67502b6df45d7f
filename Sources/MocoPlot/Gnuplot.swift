import Foundation
import MocoSupport

/// Runs the real gnuplot: `gnuplot -e "outfile='...'" script.gp` in a folder, checking the exit
/// status and standard error (gnuplot stops at the first error of a script file).
public enum Gnuplot {
    /// The gnuplot executable on PATH, or nil.
    public static func executable(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for dir in (path ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// gnuplot's version line ("gnuplot 5.4 patchlevel 4"), or nil when it is missing.
    public static func version(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        guard let exe = executable(path: path), let out = try? run(exe, ["--version"], in: nil, stdin: nil) else {
            return nil
        }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `script` (a file in `directory`) with `outfile` set; throws gnuplot's message.
    /// Returns gnuplot's warnings (it drew the plot all the same).
    @discardableResult
    public static func draw(script: URL, outfile: String, executable exe: URL) throws -> [String] {
        // "./NAME.gp": a script name can never be read as one of gnuplot's options.
        let result = try run(
            exe, ["-e", "outfile=" + GnuplotScript.quote(outfile), "./" + script.lastPathComponent],
            in: script.deletingLastPathComponent(), stdin: nil)
        let problems = result.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("^") }
        var seen = Set<String>()
        let warnings = problems.filter { $0.contains("warning:") && seen.insert($0).inserted }
        let errors = problems.filter { !$0.contains("warning:") && ($0.contains("error") || $0.contains("line ")) }
        if result.status != 0 || !errors.isEmpty {
            let message =
                errors.isEmpty
                ? (problems.isEmpty ? "exit status \(result.status)" : problems.joined(separator: "; "))
                : errors.joined(separator: "; ")
            throw PlotError.gnuplotFailed(script: script.path, message: VisibleText.escape(message, keepLines: false))
        }
        return warnings.map { VisibleText.escape($0, keepLines: false) }
    }

    /// Runs a script given as text and returns what it prints (the text terminal's drawing).
    static func render(text: String, executable exe: URL) throws -> String {
        let result = try run(exe, ["-"], in: nil, stdin: text)
        if result.status != 0 {
            throw PlotError.gnuplotFailed(
                script: "<preview>", message: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout
    }

    private static func run(_ exe: URL, _ arguments: [String], in directory: URL?, stdin: String?)
        throws -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = exe
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        (process.standardOutput, process.standardError, process.standardInput) = (out, err, input)
        do { try process.run() } catch {
            throw PlotError.gnuplotFailed(
                script: arguments.last ?? "", message: "cannot start \(exe.path): \(error.localizedDescription)")
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Drain standard error on another thread so neither pipe can fill up and block gnuplot.
        let errors = Drained()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errors.data, as: UTF8.self)
        )
    }
}

/// Bytes read on another thread; read only after that thread's group has finished.
private final class Drained: @unchecked Sendable {
    var data = Data()
}
