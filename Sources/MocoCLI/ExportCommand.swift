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

    @OptionGroup var options: ScriptOptions

    @Option(name: .customLong("train"), help: ArgumentHelp("Which train(...) call to export, from 1.", valueName: "N"))
    var call = 1

    func validate() throws {
        guard call >= 1 else { throw ValidationError("--train counts train(...) calls from 1, got \(call)") }
    }

    func run() throws {
        let plots = FileManager.default.temporaryDirectory.appendingPathComponent("moco-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: plots) }
        try FileManager.default.createDirectory(at: plots, withIntermediateDirectories: true)
        let interpreter = try options.interpreter(writable: [plots])
        interpreter.plotDirectory = plots
        let request = ExportRequest(directory: URL(fileURLWithPath: output), call: call)
        interpreter.exportRequest = request
        let url = URL(fileURLWithPath: file)
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            interpreter.cellStreams = Cell.streamStarts(of: text)
        }
        func calls(_ n: Int) -> String { "\(n) train(...) call\(n == 1 ? "" : "s")" }
        do { _ = try interpreter.run(file: url) } catch is ExportFinished {} catch {
            let status = report(error)
            if request.seen > 0 {
                // Later code may fail on a run that did not train: say where the export stood.
                FileHandle.standardError.write(
                    Data(
                        "moco export: nothing written: \(file) stopped after \(calls(request.seen)), before call \(call)\n"
                            .utf8))
            }
            throw ExitCode(status)
        }
        guard let written = request.written else {
            FileHandle.standardError.write(
                Data("moco export: nothing written: \(file) makes \(calls(request.seen)), not \(call)\n".utf8))
            throw ExitCode(1)
        }
        print(
            "moco export: \(output)/ holds \(written.files.joined(separator: ", ")): \(written.epochs) epochs of batch "
                + "\(written.batch) on \(written.data); run it with torchrun (see \(output)/README.md)")
    }
}
