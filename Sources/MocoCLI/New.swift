import ArgumentParser
import Foundation
import MocoNotebook
import MocoScript
import MocoSupport

/// `moco new NOTEBOOK --data DIR`.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a ready notebook for a folder of images.",
        discussion: """
            Surveys DIR (one sub-folder per class, or none) and writes NOTEBOOK: the data, a recipe chosen from it \
            (input size, channels, batch, queue, epochs), pre-training with diagnostics, kNN, a linear probe, \
            fine-tuning with 1%, 10% and 100% of the labels against the same network from scratch, t-SNE and a \
            saved classifier. Render it with `moco render NOTEBOOK`.
            """)

    @ArgumentParser.Argument(help: "The notebook to write (.moco).", completion: .file(extensions: ["moco"]))
    var notebook: String

    @Option(help: "The folder of images.", completion: .directory)
    var data: String

    @Flag(help: "Replace NOTEBOOK if it exists.")
    var force = false

    func validate() throws {
        guard notebook.hasSuffix(".moco") else {
            throw ValidationError("NOTEBOOK must end in .moco, got '\(notebook)'")
        }
    }

    func run() throws {
        let target = URL(fileURLWithPath: (notebook as NSString).expandingTildeInPath).standardizedFileURL
        let folder = URL(fileURLWithPath: (data as NSString).expandingTildeInPath).standardizedFileURL
        if FileManager.default.fileExists(atPath: target.path), !force {
            throw ValidationError("\(notebook) exists; use --force to replace it")
        }
        do {
            let written = try StarterNotebook.write(notebook: target, data: folder)
            print(SourceFiles.displayPath(target))
            FileHandle.standardError.write(Data((written + "\n").utf8))
        } catch {
            throw ExitCode(report(error))
        }
    }
}
