import ArgumentParser
import Foundation
import MocoNotebook
import MocoREPL
import MocoScript
import MocoTensor

/// The `moco` command: run and check `.moco` scripts, and show help on builtins.
struct MocoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moco",
        abstract: "A lab for Momentum Contrast: run .moco experiment scripts.",
        discussion: """
            With no subcommand: the interactive REPL on a terminal; from a pipe, each complete input
            is run in turn as in the REPL (`moco < session.moco`, `echo 'print(1 + 1)' | moco`).
            `moco help NAME` shows a builtin (`moco help train`); `moco help --markdown` prints docs/builtins.md.
            """,
        version: "\(MocoVersion.string)\n" + versionDetails,
        subcommands: [Run.self, Check.self, Render.self, New.self, Export.self, KernelCommand.self]
    )

    @Option(
        name: .customLong("allow-write"),
        help: ArgumentHelp(
            "Let the REPL write files under this folder too (the working folder is allowed).", valueName: "DIR"))
    var allowWrite: [String] = []

    @OptionGroup var arithmetic: ArithmeticOption

    func run() throws {
        Foundation.exit(REPL.main(allowWrite: try folders(allowWrite, flag: "--allow-write")))
    }
}

/// The libraries and the arithmetic they run, under `moco --version`.
private var versionDetails: String {
    """
    oneDNN \(NativeLibraries.oneDNN) (\(Arithmetic.oneDNNISA)), OpenBLAS \(NativeLibraries.openBLASVersion) \
    (\(Arithmetic.blasCore) kernels), \(Threads.count) threads, \(Arithmetic.mode) arithmetic
    """
}

/// The folders named by `--allow-write` or `--allow-read`, which must exist.
func folders(_ paths: [String], flag: String) throws -> [URL] {
    try paths.map { path in
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard FileAccess.isFolder(url) else {
            throw ValidationError("\(flag) \(path): no such folder")
        }
        return url
    }
}

/// The working folder.
var workingFolder: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

/// Applies `--threads`, refusing counts outside 1...Limits.maxThreads.
func validateThreads(_ threads: Int?) throws {
    if let threads, !(1...Limits.maxThreads).contains(threads) {
        throw ValidationError("--threads must be from 1 to \(Limits.maxThreads), got \(threads)")
    }
}

/// `moco run FILE`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a .moco script.")

    @ArgumentParser.Argument(help: "The script to run.", completion: .file(extensions: ["moco"]))
    var file: String

    @OptionGroup var options: ScriptOptions

    @Option(help: "Threads for the engine (default: MOCO_THREADS or all cores).")
    var threads: Int?

    @OptionGroup var arithmetic: ArithmeticOption

    func validate() throws {
        try validateThreads(threads)
    }

    func run() throws {
        try arithmetic.establish(for: file)
        if let threads { Threads.count = threads }
        let interpreter = try options.interpreter()
        // Ctrl-C stops training at the next step; the rest of the script still runs (its saves), then exit 130.
        Interrupts.install()
        interpreter.interruptSource = { Interrupts.requested }
        let url = URL(fileURLWithPath: file)
        // A notebook's cells draw from their own streams, as in `moco render`.
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            interpreter.cellStreams = Cell.streamStarts(of: text)
        }
        try runReporting { try interpreter.run(file: url) }
        if Interrupts.requested {
            FileHandle.standardError.write(Data("moco: interrupted\n".utf8))
            throw ExitCode(130)
        }
    }
}

/// `moco render FILE.moco`.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook (# %% cells) and write its report.",
        discussion: """
            Writes NAME.html and NAME.md (and NAME.ipynb on request), the plots in NAME_files/, and NAME.manifest.json \
            with timings and versions. Cells whose source, options, parameters, input files (datasets, included \
            scripts, loaded weights and checkpoints) and the cells they depend on are unchanged come from the cell \
            cache in .moco-cache/NAME/ beside the reports; one line per cell on stderr says whether it was cached, \
            replayed or ran, and why.
            """)

    @ArgumentParser.Argument(help: "The notebook.", completion: .file(extensions: ["moco"]))
    var file: String

    @Option(name: .shortAndLong, help: "Folder for the reports (default: beside the notebook).")
    var output: String?

    @Option(name: .customLong("to"), help: "Comma-separated formats: html, md, ipynb.")
    var formats: String = "html,md"

    @Option(help: "Threads for the engine (default: MOCO_THREADS or all cores).")
    var threads: Int?

    @Flag(help: "Run every cell again, replacing what the cell cache holds.")
    var refresh = false

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Replace the value of a top-level let (a moco expression; anything else is taken as a string); part of "
                + "the cache keys and shown in the report's header.",
            valueName: "NAME=VALUE"))
    var assignments: [String] = []

    @Flag(help: "Render again whenever the notebook or a file it read changes, until Ctrl-C.")
    var watch = false

    @Flag(
        name: .customLong("dry-run"),
        help: "List which cells would come from the cache and which would run, and why; run and write nothing.")
    var dryRun = false

    @Flag(
        name: .customLong("no-cache"),
        help: "Neither read nor write the cell cache (.moco-cache/ in the output folder).")
    var noCache = false

    @Option(
        name: .customLong("allow-write"),
        help: ArgumentHelp(
            "Let the notebook write files under this folder too (the output folder is allowed).", valueName: "DIR"))
    var allowWrite: [String] = []

    @Option(
        name: .customLong("allow-read"),
        help: ArgumentHelp(
            "Let the notebook read files under this folder too (its own folder is allowed).", valueName: "DIR"))
    var allowRead: [String] = []

    @OptionGroup var arithmetic: ArithmeticOption

    func validate() throws {
        for f in formats.split(separator: ",") where Renderer.Format(rawValue: String(f)) == nil {
            throw ValidationError("--to: unknown format '\(f)' (html, md, ipynb)")
        }
        for a in assignments where !a.contains("=") || a.hasPrefix("=") {
            throw ValidationError("--set expects NAME=VALUE, got '\(a)'")
        }
        try validateThreads(threads)
    }

    func run() throws {
        try arithmetic.establish(for: file)
        if let threads { Threads.count = threads }
        var renderer = Renderer()
        renderer.allowWrite = try folders(allowWrite, flag: "--allow-write")
        renderer.allowRead = try folders(allowRead, flag: "--allow-read")
        renderer.formats = formats.split(separator: ",").compactMap { Renderer.Format(rawValue: String($0)) }
        renderer.outputDirectory = output.map { URL(fileURLWithPath: $0) }
        renderer.refresh = refresh
        renderer.useCache = !noCache
        renderer.parameters = assignments.map { a in
            (String(a.prefix { $0 != "=" }), String(a.drop { $0 != "=" }.dropFirst()))
        }
        do {
            if dryRun {
                for line in try renderer.dryRun(URL(fileURLWithPath: file)) { print(line) }
                return
            }
            if watch {
                Interrupts.install()
                Watcher(renderer: renderer, stop: { Interrupts.requested }) { result in
                    switch result {
                    case .success(let r): for url in r.reports { print(SourceFiles.displayPath(url)) }
                    case .failure(let error): _ = report(error)
                    }
                }.watch(URL(fileURLWithPath: file))
                FileHandle.standardError.write(Data("moco render: stopped watching\n".utf8))
                return
            }
            let result = try renderer.render(URL(fileURLWithPath: file))
            for url in result.reports { print(SourceFiles.displayPath(url)) }
            if result.status != 0 {
                FileHandle.standardError.write(
                    "moco render: the notebook stopped at an error (shown in its cell)\n".data(using: .utf8)!)
                throw ExitCode(result.status)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw ExitCode(report(error))
        }
    }
}

/// `moco check FILE...`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse and resolve scripts without running them.")

    @ArgumentParser.Argument(help: "The scripts to check.", completion: .file(extensions: ["moco"]))
    var files: [String]

    func run() throws {
        var worst: Int32 = 0
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                FileHandle.standardError.write("moco: cannot read \(file)\n".data(using: .utf8)!)
                worst = max(worst, 74)
                continue
            }
            do {
                let interpreter = Interpreter(baseDirectory: URL(fileURLWithPath: file).deletingLastPathComponent())
                try interpreter.check(text, name: file)
                print("\(file): ok")
            } catch {
                worst = max(worst, report(error))
            }
        }
        if worst != 0 { throw ExitCode(worst) }
    }
}

/// Prints a script's errors to stderr and exits with their code.
func runReporting(_ body: () throws -> Value?) throws {
    do {
        _ = try body()
    } catch {
        throw ExitCode(report(error))
    }
}

/// Writes `error` to stderr; returns the exit code it calls for.
func report(_ error: Error) -> Int32 {
    let (text, code) = ScriptError.report(error)
    FileHandle.standardError.write((text + "\n").data(using: .utf8)!)
    return code
}
