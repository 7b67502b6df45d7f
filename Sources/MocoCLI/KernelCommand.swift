import ArgumentParser
import Foundation
import MocoKernel

/// `moco kernel -f CONNECTION_FILE` (started by Jupyter) and `moco kernel install`.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run moco as a Jupyter kernel (Jupyter starts it), or install its kernelspec.",
        discussion: """
            `moco kernel install --user` once; then `jupyter lab`, VS Code or `jupyter nbconvert --execute` offer the \
            "moco" kernel. Cells run in one session; plots appear inline; Interrupt stops training at the next step.
            """,
        subcommands: [Install.self])

    @Option(
        name: .customShort("f"),
        help: ArgumentHelp("The connection file Jupyter writes.", valueName: "connection-file"), completion: .file())
    var connectionFile: String?

    @OptionGroup var arithmetic: ArithmeticOption

    func run() throws {
        guard let connectionFile else {
            throw ValidationError("give the connection file with -f (Jupyter does), or run `moco kernel install`")
        }
        let kernel: Kernel
        do {
            kernel = try Kernel(connectionFile: URL(fileURLWithPath: connectionFile)) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("moco kernel: \(error)\n".utf8))
            throw ExitCode(74)
        }
        kernel.serve()
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write the kernelspec so Jupyter finds moco (default: --user); with --portable, \"moco (portable)\".")

        @Flag(help: "In ~/.local/share/jupyter/kernels (the default).")
        var user = false

        @Option(help: "Under PREFIX/share/jupyter/kernels (a virtual environment's prefix, for example).")
        var prefix: String?

        /// Shared with `moco kernel`: here it installs "moco (portable)" (kernelspec moco-portable), a kernel that
        /// starts with --portable.
        @OptionGroup var arithmetic: ArithmeticOption

        func validate() throws {
            if user && prefix != nil { throw ValidationError("give --user or --prefix, not both") }
        }

        func run() throws {
            // This executable, as an absolute path that does not depend on the working folder or PATH.
            let path =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
            let folder = try KernelSpec.install(
                executable: URL(fileURLWithPath: path),
                prefix: prefix.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) },
                portable: arithmetic.portable)
            print("installed the \(folder.lastPathComponent) kernelspec in \(folder.path)")
        }
    }
}
