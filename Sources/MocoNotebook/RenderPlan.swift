import Foundation
import MocoPlot
import MocoScript
import MocoSupport
import MocoTensor

/// What a render will do before it does it: the parameters, each cell's key, which cells the cache answers and why
/// each other one must run (also `moco render --dry-run`).
extension Renderer {
    /// What a render would do, running and writing nothing: one line per code cell, `cached` or why it would run.
    public func dryRun(_ file: URL) throws -> [String] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ScriptError(
                .io, "cannot read \(file.path): \(ReadFailure.describe(file, CocoaError(.fileReadUnknown)))", at: nil)
        }
        let cells = Cell.parse(text)
        _ = try overrides(for: cells, of: file)
        let stem = file.deletingPathExtension().lastPathComponent
        let out = (outputDirectory ?? file.deletingLastPathComponent()).standardizedFileURL
        let cache = useCache ? CellCache.open(in: out, notebook: stem, warn: progress) : nil
        let plan = self.plan(cells, notebook: Cell.isNotebook(text), cache: cache, seed: Interpreter().seed)
        return plan.codeCells.enumerated().map { i, k in
            let what =
                plan.entries[k] != nil
                ? (plan.replays.contains(k) ? "replayed from the cache" : "cached")
                : "would run (\(plan.reasons[k] ?? ""))"
            return "[\(i + 1)/\(plan.codeCells.count)] \(Self.label(of: cells[k])): \(what)"
        }
    }

    /// How progress lines name a cell: its title, else its first line.
    static func label(of cell: Cell) -> String {
        cell.title ?? cell.source.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// The parameters as the header and the keys show them: `epochs=100`, in the order given.
    var parameterText: [String] { parameters.map { "\($0.name)=\($0.value)" } }

    /// The interpreter's overrides for `parameters`: each a top-level `let` of some cell, each value a moco expression
    /// (anything else is taken as a string, as `moco run --set` does).
    func overrides(for cells: [Cell], of file: URL) throws -> [String: Value] {
        guard !parameters.isEmpty else { return [:] }
        let declared = cells.filter { $0.kind == .code }.reduce(into: Set<String>()) {
            $0.formUnion(Interpreter.topLevelNames($1.source))
        }
        var values: [String: Value] = [:]
        for (name, text) in parameters {
            guard declared.contains(name) else {
                throw ScriptError(
                    .usage, "--set \(name): \(file.lastPathComponent) has no top-level 'let \(name) = ...'", at: nil,
                    notes: declared.isEmpty ? [] : ["top-level names: \(declared.sorted().joined(separator: ", "))"])
            }
            values[name] = try Interpreter.constant(text) ?? .string(text)
        }
        return values
    }

    /// What the cache answers before anything runs: the cells' graph and keys, the entries of the cells it answers,
    /// why each other code cell must run (its own change, or a cell it depends on runs), and which cached cells are
    /// replayed to rebuild the session those need.
    struct Plan {
        let graph: CellGraph
        let entries: [Int: CellCache.Entry]
        let reasons: [Int: String]
        var keys: [String?] { graph.keys }
        var codeCells: [Int] { graph.codeCells }

        /// The cached cells replayed: those that the cells that run depend on, transitively, and (when any cell runs)
        /// those that wrote files, which a later cell may read, with what they depend on.
        var replays: Set<Int> {
            guard !reasons.isEmpty else { return [] }
            var needed: Set<Int> = []
            var pending = Array(reasons.keys) + entries.filter { !$0.value.writes.isEmpty }.map(\.key)
            while let k = pending.popLast() {
                guard needed.insert(k).inserted else { continue }
                pending += graph.dependencies[k]
            }
            return needed.filter { entries[$0] != nil }
        }
    }

    /// The plan of a render; every code cell the cache cannot answer is given its reason (`forced`: cells a restarted
    /// render must run, with why), and a cell that depends on one that runs runs too.
    func plan(_ cells: [Cell], notebook: Bool, cache: CellCache?, seed: UInt64, forced: [Int: String] = [:]) -> Plan {
        let base =
            "cache 3 \(versions ?? Self.versions) seed \(seed) threads \(Threads.count) parameters "
            + parameterText.joined(separator: "\n")
        let graph = CellGraph(cells, notebook: notebook, base: base)
        var entries: [Int: CellCache.Entry] = [:]
        var reasons: [Int: String] = [:]
        for (k, key) in graph.keys.enumerated() {
            guard let key else { continue }  // prose: no key
            if let reason = forced[k] {
                reasons[k] = reason
            } else if let upstream = graph.upstream(of: k, in: cells, among: Set(reasons.keys), verb: "runs") {
                reasons[k] = upstream
            } else if let cache, !refresh {
                if !cells[k].cacheable {
                    reasons[k] = "it is marked cache: false"
                } else if let entry = cache.load(key) {
                    if let changed = entry.inputs.first(where: { !$0.isCurrent }) {
                        reasons[k] = "\(VisibleText.escape(changed.path, keepLines: false)) changed since it read it"
                    } else {
                        entries[k] = entry
                    }
                } else {
                    reasons[k] =
                        "its source or options, a cell it depends on, the parameters or a version changed, or it never ran"
                }
            } else {
                reasons[k] = refresh ? "--refresh" : "the cell cache is off"
            }
        }
        return Plan(graph: graph, entries: entries, reasons: reasons)
    }

    /// gnuplot's version, asked once per process: every render of a session keys its cells on the same value.
    static let gnuplotVersion = Gnuplot.version() ?? "missing"

    /// The versions that a cached cell's outputs depend on beside its source: moco, gnuplot, OpenBLAS and oneDNN, and
    /// the kernels they run here (a cache made on another instruction set re-runs instead of showing numbers this
    /// machine would not produce).
    static var versions: String {
        "moco \(MocoVersion.string) gnuplot \(gnuplotVersion) openblas \(NativeLibraries.openBLAS) "
            + "onednn \(NativeLibraries.oneDNN) arithmetic \(Arithmetic.kernels)"
    }
}
