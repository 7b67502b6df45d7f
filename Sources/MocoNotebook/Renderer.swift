import Foundation
import MocoPlot
import MocoScript
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
    /// Where cell-by-cell progress and training lines go.
    public var progress: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init() {}

    public struct Result {
        /// The reports written, in the order of `formats`.
        public let reports: [URL]
        public let manifest: URL
        /// 0, or the exit status of the error that stopped the notebook (65, 70, 74).
        public let status: Int32
    }

    public func render(_ file: URL) throws -> Result {
        let started = Date()
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ScriptError(.io, "cannot read \(file.path): \(ReadFailure.describe(file, CocoaError(.fileReadUnknown)))", at: nil)
        }
        let stem = file.deletingPathExtension().lastPathComponent
        let out = (outputDirectory ?? file.deletingLastPathComponent()).standardizedFileURL
        let assets = out.appendingPathComponent("\(stem)_files")
        do {
            if FileManager.default.fileExists(atPath: assets.path) { try FileManager.default.removeItem(at: assets) }
            try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        } catch {
            throw ScriptError(.io, "cannot prepare \(assets.path): \(error.localizedDescription)", at: nil)
        }
        let cells = Cell.parse(text)
        let runner = NotebookRunner(source: file, assets: assets, progress: progress)
        var timings: [(cell: Int, seconds: Double)] = []
        var cellStart = Date()
        let name = file.lastPathComponent
        let codeCount = cells.filter { $0.kind == .code && !$0.isEmpty }.count
        var done = 0
        let (results, status) = runner.run(cells, name: name) { k, cell in
            if done > 0 { timings.append((k, Date().timeIntervalSince(cellStart))) }
            done += 1
            cellStart = Date()
            progress("[\(done)/\(codeCount)] \(cell.title ?? cell.source.split(separator: "\n").first.map(String.init) ?? "")")
        }
        if done > 0 { timings.append((cells.count, Date().timeIntervalSince(cellStart))) }
        let interp = runner.interpreter
        let report = Report(title: Report.title(of: cells, fallback: stem), source: name, seed: interp.seed, engineVersion: MocoVersion.string,
                            threads: Threads.count, dataFiles: Self.fingerprints(interp.dataFiles), cells: results, assetsFolder: "\(stem)_files")
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
        // The gnuplot scripts and data stay beside the plots; only images are referenced.
        let manifest = out.appendingPathComponent("\(stem).manifest.json")
        let iso = ISO8601DateFormatter()
        let facts: [String: Any] = [
            "notebook": file.path, "rendered_at": iso.string(from: started), "seconds": Date().timeIntervalSince(started),
            "cell_seconds": timings.map { ["cell": $0.cell, "seconds": $0.seconds] }, "status": Int(status),
            "seed": interp.seed, "threads": Threads.count, "reports": written.map(\.lastPathComponent),
            "versions": ["moco": MocoVersion.string, "gnuplot": Gnuplot.version() ?? "missing", "openblas": NativeLibraries.openBLAS,
                         "onednn": NativeLibraries.oneDNN],
        ]
        let json = try JSONSerialization.data(withJSONObject: facts, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try write(String(decoding: json, as: UTF8.self) + "\n", to: manifest)
        return Result(reports: written, manifest: manifest, status: status)
    }

    private func write(_ text: String, to url: URL) throws {
        do { try AtomicFile.write(text, to: url) } catch { throw ScriptError(.io, error.description, at: nil) }
    }

    /// SHA-256 of each data file (of a folder: its files' names and contents, sorted).
    static func fingerprints(_ paths: [String]) -> [(name: String, sha256: String)] {
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }.map { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let url = URL(fileURLWithPath: path)
            guard isDirectory.boolValue else { return (url.lastPathComponent, SHA256.hex((try? Data(contentsOf: url)) ?? Data())) }
            let files = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).sorted()
            var all = Data()
            for f in files {
                all.append(Data(f.utf8))
                all.append((try? Data(contentsOf: url.appendingPathComponent(f))) ?? Data())
            }
            return (url.lastPathComponent + "/", SHA256.hex(all))
        }
    }
}
