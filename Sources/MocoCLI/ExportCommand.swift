import ArgumentParser
import Foundation
import MocoNotebook
import MocoScript
import MocoTensor

/// `moco export FILE.moco -o DIR`: a script's training recipe as a PyTorch DDP project.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a script's training recipe as a PyTorch project (DistributedDataParallel, torchrun).",
        discussion: """
            Runs the script up to its N-th train(...) call (the first by default) without training, and writes into \
            DIR: train.py (MoCo with DistributedDataParallel, as facebookresearch/moco), recipe.json (every choice of \
            that call, the learning rate and momentum at every step), requirements.txt and README.md with the \
            commands for one machine, N GPUs and several nodes. Earlier train calls return untrained runs; plots the \
            script draws on the way go to a temporary folder. Data that only exists in memory is refused.
            """)

    @ArgumentParser.Argument(help: "The script or notebook.", completion: .file(extensions: ["moco"]))
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The folder to write the project into.", valueName: "DIR"))
    var output: String

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Replace the value of a top-level let (a moco expression; anything else is taken as a string).",
            valueName: "NAME=VALUE"))
    var assignments: [String] = []

    @Option(name: .customLong("train"), help: ArgumentHelp("Which train(...) call to export, from 1.", valueName: "N"))
    var call = 1

    @Option(help: "Seed for every random draw (replaces the script's `seed`); recorded in the recipe.")
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
        guard call >= 1 else { throw ValidationError("--train counts train(...) calls from 1, got \(call)") }
    }

    func run() throws {
        let interpreter = Interpreter(seed: seed ?? 0)
        interpreter.seedOverride = seed
        let plots = FileManager.default.temporaryDirectory.appendingPathComponent("moco-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: plots) }
        try FileManager.default.createDirectory(at: plots, withIntermediateDirectories: true)
        interpreter.plotDirectory = plots
        interpreter.fileAccess = FileAccess(
            write: [workingFolder, plots] + (try folders(allowWrite, flag: "--allow-write")), read: nil)
        for a in assignments {
            let name = String(a.prefix { $0 != "=" })
            let text = String(a.drop { $0 != "=" }.dropFirst())
            do {
                interpreter.overrides[name] = try Interpreter.constant(text) ?? .string(text)
            } catch {
                throw ValidationError("--set \(name): \(ScriptError.report(error).text)")
            }
        }
        let request = ExportRequest(directory: URL(fileURLWithPath: output), call: call)
        interpreter.exportRequest = request
        let url = URL(fileURLWithPath: file)
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            interpreter.cellStreams = Cell.streamStarts(of: text)
        }
        do { _ = try interpreter.run(file: url) } catch is ExportFinished {} catch { throw ExitCode(report(error)) }
        guard let written = request.written else {
            let seen = request.seen
            FileHandle.standardError.write(
                Data("moco export: \(file) makes \(seen) train(...) call\(seen == 1 ? "" : "s"), not \(call)\n".utf8))
            throw ExitCode(1)
        }
        print(
            "moco export: \(output)/ holds \(written.files.joined(separator: ", ")): \(written.epochs) epochs of batch "
                + "\(written.batch) on \(written.data); run it with torchrun (see \(output)/README.md)")
    }
}
