import ArgumentParser
import Foundation
import MocoScript

/// The options that set up a script's session, shared by `moco run` and `moco export`: `--set`, `--seed` and
/// `--allow-write`.
struct ScriptOptions: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Replace the value of a top-level let (a moco expression; anything else is taken as a string).",
            valueName: "NAME=VALUE"))
    var assignments: [String] = []

    @Option(help: "Seed for every random draw (replaces the script's `seed`).")
    var seed: UInt64?

    @Option(
        name: .customLong("allow-write"),
        help: ArgumentHelp(
            "Let the script write files under this folder too (the working folder is allowed).", valueName: "DIR"))
    var allowWrite: [String] = []

    func validate() throws {
        for a in assignments where !a.contains("=") || a.hasPrefix("=") {
            throw ValidationError("--set expects NAME=VALUE, got '\(a)'")
        }
    }

    /// A session with the seed and the `--set` values, writing under the working folder, `writable` and the
    /// `--allow-write` folders.
    func interpreter(writable: [URL] = []) throws -> Interpreter {
        let interpreter = Interpreter(seed: seed ?? 0)
        interpreter.seedOverride = seed
        interpreter.fileAccess = FileAccess(
            write: [workingFolder] + writable + (try folders(allowWrite, flag: "--allow-write")), read: nil)
        for a in assignments {
            let name = String(a.prefix { $0 != "=" })
            let text = String(a.drop { $0 != "=" }.dropFirst())
            do {
                interpreter.overrides[name] = try Interpreter.constant(text) ?? .string(text)
            } catch {
                throw ValidationError("--set \(name): \(ScriptError.report(error).text)")
            }
        }
        return interpreter
    }
}
