import Foundation
import MocoPlot
import MocoScript
import MocoSupport
import MocoTensor

/// `moco render`: runs a notebook and writes its reports (HTML, Markdown, ipynb), the plots in
/// `NAME_files/`, and `NAME.manifest.json` with everything time-dependent. Same file, seed,
/// thread count and machine: the same report bytes.
public struct Renderer {
    public enum Format: String, CaseIterable, Sendable {
        case html, md, ipynb
    }

    public var outputDirectory: URL?
    public var formats: [Format] = [.html, .md]
    /// Read and write the cell cache (`.moco-cache/NAME/` in the output folder).
    public var useCache = true
    /// Ignore what the cache holds (and replace it).
    public var refresh = false
    /// Folders the notebook may write under besides the output folder (`--allow-write`).
    public var allowWrite: [URL] = []
    /// Folders the notebook may read under besides its own folder and the output folder (`--allow-read`).
    public var allowRead: [URL] = []
    /// Values for the notebook's top-level `let`s (`moco render --set NAME=VALUE`, papermill's parameters), as
    /// expressions: part of every cell's cache key, and shown in the report's header.
    public var parameters: [(name: String, value: String)] = []
    /// The versions the cache keys depend on (moco, gnuplot, OpenBLAS, oneDNN and the kernels they run); nil: this
    /// build's and this machine's (`Renderer.machineVersions`).
    /// Tests set it to stand for an upgrade.
    public var versions: String?

    /// This build's and this machine's versions, as the cache keys take them.
    public static var machineVersions: String { versions }
    /// Asked at every training step and between cells: when it says true (Ctrl-C), training stops at the step, the
    /// render ends with `RenderInterrupted`, and the reports, their plots and the cache stay as they were.
    public var interrupted: (() -> Bool)?
    /// Where cell-by-cell progress and training lines go.
    public var progress: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init() {}

    public struct Result {
        /// The reports written, in the order of `formats`.
        public let reports: [URL]
        public let manifest: URL
        /// 0, or the exit status of the error that stopped the notebook (65, 70, 74).
        public let status: Int32
        /// Code cells whose outputs came from the cache, cells replayed from it to rebuild the
        /// session, and cells that ran.
        public let cached, replayed, ran: Int
        /// The files the notebook read (what `watch` watches besides the notebook).
        public let inputs: [String]
    }

    /// A render stopped by `interrupted`; nothing of it was kept.
    public struct RenderInterrupted: Error, CustomStringConvertible {
        public var description: String { "interrupted: the reports and the cell cache are as they were" }
    }

    public func render(_ file: URL) throws -> Result {
        let started = Date()
        let (text, folders) = try prepare(file)
        defer { withExtendedLifetime(folders.lock) {} }
        try ArithmeticDirective.check(
            text, name: file.lastPathComponent, restart: "render it with moco render, which starts again portable")
        let cells = Cell.parse(text)
        var finished = false
        defer { if !finished { try? FileManager.default.removeItem(at: folders.staging) } }
        let overrides = try overrides(for: cells, of: file)
        let cache = useCache ? CellCache.open(in: folders.out, notebook: folders.stem, warn: progress) : nil
        var forced: [Int: String] = [:]
        var run: Run
        while true {
            let runner = NotebookRunner(source: file, assets: folders.staging, progress: progress)
            runner.interpreter.interruptSource = interrupted
            runner.interpreter.overrides = overrides
            runner.interpreter.fileAccess = FileAccess(
                write: [folders.out] + allowWrite,
                read: [file.deletingLastPathComponent(), folders.out] + allowWrite + allowRead)
            runner.interpreter.outputDirectory = folders.out
            runner.interpreter.warn = { [progress] in progress($0.hasPrefix("cache:") ? $0 : "warning: " + $0) }
            let plan = self.plan(
                cells, notebook: Cell.isNotebook(text), cache: cache, seed: runner.interpreter.seed, forced: forced)
            do {
                run = try self.run(
                    cells, plan: plan, cache: cache, runner: runner, name: file.lastPathComponent,
                    assets: folders.staging)
                break
            } catch let restart as Restart {
                // Each restart forces one more cell to run, so this ends.
                forced[restart.cell] = restart.reason
                progress("cache: \(restart.reason); rendering again in a new session, with that cell running")
                try? FileManager.default.removeItem(at: folders.staging)
                try? FileManager.default.createDirectory(at: folders.staging, withIntermediateDirectories: true)
            }
        }
        // The plots take the place of the last render's at once, just before the reports that show them.
        do {
            if FileManager.default.fileExists(atPath: folders.assets.path) {
                try FileManager.default.removeItem(at: folders.assets)
            }
            try FileManager.default.moveItem(at: folders.staging, to: folders.assets)
            finished = true
        } catch {
            throw ScriptError(.io, "cannot write \(folders.assets.path): \(error.localizedDescription)", at: nil)
        }
        let report = Report(
            title: Report.title(of: cells, fallback: folders.stem), source: file.lastPathComponent,
            seed: run.seed, engineVersion: MocoVersion.string, threads: Threads.count, arithmetic: Arithmetic.kernels,
            parameters: parameterText, inputs: Self.fingerprints(run.inputFiles.elements, known: run.digests),
            cells: run.results,
            assetsFolder: "\(folders.stem)_files")
        let written = try writeReports(report, to: folders.out, stem: folders.stem)
        let manifest = try writeManifest(
            of: file, run: run, inputs: report.inputs, reports: written, started: started, to: folders.out,
            stem: folders.stem)
        return Result(
            reports: written, manifest: manifest, status: run.status, cached: run.counts.cached,
            replayed: run.counts.replayed, ran: run.counts.ran, inputs: run.inputFiles.elements)
    }

    /// Where a render writes: the output folder (locked against another render of the same notebook), its assets
    /// folder, and the fresh folder the plots go to until the render is done.
    struct Folders {
        let stem: String
        let out: URL, assets: URL, staging: URL
        let lock: RenderLock
    }

    /// Reads the notebook, takes the render lock and makes an empty staging folder for the plots.
    private func prepare(_ file: URL) throws -> (text: String, folders: Folders) {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ScriptError(
                .io, "cannot read \(file.path): \(ReadFailure.describe(file, CocoaError(.fileReadUnknown)))", at: nil)
        }
        let stem = file.deletingPathExtension().lastPathComponent
        let out = (outputDirectory ?? file.deletingLastPathComponent()).standardizedFileURL
        let assets = out.appendingPathComponent("\(stem)_files")
        let staging = out.appendingPathComponent("\(stem)_files.partial")
        let lock: RenderLock
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            lock = try RenderLock(folder: out, notebook: stem, waiting: progress)
        } catch {
            throw ScriptError(.io, "cannot lock the outputs of \(stem) in \(out.path): \(error)", at: nil)
        }
        do {
            if FileManager.default.fileExists(atPath: staging.path) { try FileManager.default.removeItem(at: staging) }
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw ScriptError(.io, "cannot prepare \(staging.path): \(error.localizedDescription)", at: nil)
        }
        return (text, Folders(stem: stem, out: out, assets: assets, staging: staging, lock: lock))
    }

    /// What running (or replaying) the cells gave.
    struct Run {
        var results: [CellResult] = [], timings: [(cell: Int, seconds: Double)] = []
        /// What happened to each code cell: `cached`, `replayed` or `ran`, and why it ran.
        var statuses: [(cell: Int, status: String, reason: String?)] = []
        var status: Int32 = 0
        var counts = (cached: 0, replayed: 0, ran: 0)
        /// The session's seed after the last cell (from the interpreter, or from the cache when nothing ran).
        var seed: UInt64
        /// The files the cells read, in the order of their first read (the header lists them).
        var inputFiles = OrderedSet<String>()
        /// The digests of the inputs that cells checked or took in this render, so the header hashes no file again.
        var digests: [String: String] = [:]
    }

    /// A cell the plan neither runs nor replays turned out to need running (a file it read was written by an earlier
    /// cell of this render), so the cells it depends on may be missing from the session: the render starts again.
    private struct Restart: Error {
        let cell: Int
        let reason: String
    }

    /// Runs the cells in order until one fails. A cell the cache answers gives its stored outputs; the cached cells
    /// that the running ones need are replayed first (their expensive calls restored from the memo), so the session
    /// holds what a fresh render's would. A cell runs when the plan says so, when a cell it depends on ran, or when a
    /// file it read changed during this render (an earlier cell wrote it); when it succeeds, it is stored.
    private func run(
        _ cells: [Cell], plan: Plan, cache: CellCache?, runner: NotebookRunner, name: String,
        assets: URL
    ) throws -> Run {
        var run = Run(seed: runner.interpreter.seed)
        let codeCount = plan.codeCells.count
        var ran: Set<Int> = []
        let replays = plan.replays
        for (k, cell) in cells.enumerated() {
            if interrupted?() == true { throw RenderInterrupted() }
            guard plan.keys[k] != nil, run.status == 0 else {
                run.results.append(CellResult(cell: cell, outputs: []))
                continue
            }
            let cellStart = Date()
            let position = "[\(run.counts.cached + run.counts.ran + 1)/\(codeCount)] \(Self.label(of: cell))"
            var reason = plan.reasons[k] ?? plan.graph.upstream(of: k, in: cells, among: ran, verb: "ran")
            if reason == nil, !ran.isEmpty, let changed = plan.entries[k]?.inputs.first(where: { !$0.isCurrent }) {
                reason = "\(VisibleText.escape(changed.path, keepLines: false)) changed since it read it"
            }
            if let reason, plan.reasons[k] == nil, !replays.contains(k) { throw Restart(cell: k, reason: reason) }
            if reason == nil, let entry = plan.entries[k] {
                if replays.contains(k) {
                    progress("\(position): replayed from the cache")
                    let (_, replayStatus) = runner.run(
                        cell, name: name, stream: plan.graph.streams[k],
                        memo: CellMemo(replaying: entry.memo, recordingInto: nil))
                    if replayStatus != 0 {
                        // A damaged or hostile entry (a checkpoint that is refused): the cell's output cannot be trusted.
                        run.status = replayStatus
                        progress("cache: the entry of this cell could not be replayed; render again with --refresh")
                        run.results.append(
                            CellResult(
                                cell: cell,
                                outputs: [
                                    .error("the cell cache entry could not be replayed; run moco render --refresh")
                                ]))
                        continue
                    }
                    run.counts.replayed += 1
                    run.statuses.append((k, "replayed", nil))
                    run.seed = runner.interpreter.seed
                } else {
                    progress("\(position): cached")
                    run.statuses.append((k, "cached", nil))
                    run.seed = entry.seed
                    for case .image(let file, _, _) in entry.outputs {
                        runner.interpreter.reservedPlotNames.insert(String(file.prefix { $0 != "." }))
                    }
                }
                for input in entry.inputs { run.digests[input.path] = input.sha256 }
                run.inputFiles.append(contentsOf: entry.inputs.map(\.path))
                for case .image(let file, let png, _) in entry.outputs {
                    try? AtomicFile.write(png, to: assets.appendingPathComponent(file))
                }
                run.results.append(CellResult(cell: cell, outputs: entry.outputs))
                run.counts.cached += 1
            } else {
                let reason = reason ?? ""
                progress("\(position): running (\(reason))")
                let staging = cache?.staging()
                let memo = CellMemo(recordingInto: staging)
                let writtenBefore = runner.interpreter.writtenFiles.count
                let (outputs, cellStatus) = runner.run(cell, name: name, stream: plan.graph.streams[k], memo: memo)
                let writes = runner.interpreter.writtenFiles[writtenBefore...].filter {
                    !$0.hasPrefix(assets.standardizedFileURL.path + "/")
                }
                if interrupted?() == true {
                    if let staging { try? FileManager.default.removeItem(at: staging) }
                    throw RenderInterrupted()
                }
                run.results.append(CellResult(cell: cell, outputs: outputs))
                run.status = cellStatus
                // An input that cannot be fingerprinted (gone, or too large) leaves the cell uncached.
                let read = runner.interpreter.cellInputs
                let inputs = read.compactMap(InputFingerprint.take)
                for input in inputs { run.digests[input.path] = input.sha256 }
                run.inputFiles.append(contentsOf: read)
                if let cache, let staging, let key = plan.keys[k] {
                    if cellStatus == 0 && cell.cacheable && inputs.count == read.count {
                        cache.store(
                            key,
                            CellCache.Entry(
                                outputs: outputs, memo: memo.recorded, seed: runner.interpreter.seed, inputs: inputs,
                                writes: Array(writes)),
                            staging: staging)
                    } else {
                        try? FileManager.default.removeItem(at: staging)
                    }
                }
                ran.insert(k)
                run.counts.ran += 1
                run.statuses.append((k, "ran", reason))
                progress("\(position): ran \(String(format: "%.1f", Date().timeIntervalSince(cellStart))) s")
                run.seed = runner.interpreter.seed
            }
            run.timings.append((k, Date().timeIntervalSince(cellStart)))
        }
        return run
    }

    /// Writes the report in each of `formats`, in that order.
    private func writeReports(_ report: Report, to out: URL, stem: String) throws -> [URL] {
        var written: [URL] = []
        for format in formats {
            let url = out.appendingPathComponent("\(stem).\(format.rawValue)")
            let body: String
            switch format {
            case .html: body = HTMLReport.render(report)
            case .md: body = MarkdownReport.render(report)
            case .ipynb: body = try NotebookJSON.render(report)
            }
            try write(body, to: url)
            written.append(url)
        }
        return written
    }

    /// Writes `NAME.manifest.json`: everything about the render that depends on time or on the machine.
    private func writeManifest(
        of file: URL, run: Run, inputs: [(name: String, path: String, sha256: String)], reports: [URL], started: Date,
        to out: URL, stem: String
    ) throws -> URL {
        // The gnuplot scripts and data stay beside the plots; only images are referenced.
        let manifest = out.appendingPathComponent("\(stem).manifest.json")
        let iso = ISO8601DateFormatter()
        let facts: [String: Any] = [
            "notebook": file.path, "rendered_at": iso.string(from: started),
            "seconds": Date().timeIntervalSince(started),
            "cell_seconds": run.timings.map { ["cell": $0.cell, "seconds": $0.seconds] }, "status": Int(run.status),
            "cell_status": run.statuses.map { s -> [String: Any] in
                ["cell": s.cell, "status": s.status].merging(s.reason.map { ["reason": $0] } ?? [:]) { a, _ in a }
            },
            "parameters": parameterText,
            "seed": run.seed, "threads": Threads.count, "reports": reports.map(\.lastPathComponent),
            "cells": ["from_cache": run.counts.cached, "replayed": run.counts.replayed, "ran": run.counts.ran],
            "versions": [
                "moco": MocoVersion.string, "gnuplot": Self.gnuplotVersion,
                "openblas": NativeLibraries.openBLAS,
                "onednn": NativeLibraries.oneDNN
            ],
            "arithmetic": Arithmetic.facts,
            "inputs": inputs.map { ["file": $0.path, "sha256": $0.sha256] }
        ]
        let json = try JSONSerialization.data(
            withJSONObject: facts, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try write(String(decoding: json, as: UTF8.self) + "\n", to: manifest)
        return manifest
    }

    private func write(_ text: String, to url: URL) throws {
        do { try AtomicFile.write(text, to: url) } catch { throw ScriptError(.io, error.description, at: nil) }
    }

    /// Each input file's fingerprint, for the report's header and the manifest (the SHA-256 of a folder is of its
    /// sorted file names and contents): from `known` (what the cells' checks already hashed), else hashed now; a file
    /// that is gone shows an empty digest.
    static func fingerprints(_ paths: [String], known: [String: String]) -> [(
        name: String, path: String, sha256: String
    )] {
        paths.map { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let name = URL(fileURLWithPath: path).lastPathComponent + (isDirectory.boolValue ? "/" : "")
            return (name, path, known[path] ?? InputFingerprint.take(path)?.sha256 ?? "")
        }
    }
}
