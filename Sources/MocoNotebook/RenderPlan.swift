import Foundation
import MocoPlot
import MocoScript
import MocoSupport
import MocoTensor

/// What a render will do before it does it: the parameters, each cell's key, which cells the cache answers and why
/// the first other one must run (also `moco render --dry-run`).
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
        let plan = self.plan(cells, cache: cache, seed: Interpreter().seed, announce: false)
        let code = plan.keys.indices.filter { plan.keys[$0] != nil }
        return code.enumerated().map { i, k in
            let label = cells[k].title ?? cells[k].source.split(separator: "\n").first.map(String.init) ?? ""
            let what =
                plan.entries[k] != nil
                ? (plan.firstMiss != nil ? "replayed from the cache" : "cached")
                : "would run (\(k == plan.firstMiss ? plan.reason : "an earlier cell runs"))"
            return "[\(i + 1)/\(code.count)] \(label): \(what)"
        }
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

    /// Which cells come from the cache: each code cell's key, the entries of the cells before the first
    /// one the cache cannot answer (none with `refresh`), and why that one must run.
    struct Plan {
        let keys: [String?]
        let entries: [Int: CellCache.Entry]
        /// Why the first code cell without an entry must run.
        let reason: String
        /// The first code cell that must run; the cached cells before it are replayed first when there is one.
        var firstMiss: Int? { keys.indices.first { keys[$0] != nil && entries[$0] == nil } }
    }

    /// The plan of a render; `announce` tells `progress` of an input that changed.
    func plan(_ cells: [Cell], cache: CellCache?, seed: UInt64, announce: Bool) -> Plan {
        let keys = CellCache.keys(
            cells, seed: seed, threads: Threads.count, versions: versions ?? Self.versions,
            parameters: parameterText.joined(separator: "\n"))
        var entries: [Int: CellCache.Entry] = [:]
        var reason = refresh ? "--refresh" : "the cell cache is off"
        if let cache, !refresh {
            for (k, key) in keys.enumerated() {
                guard let key else { continue }  // prose: no key
                guard cells[k].cacheable else {
                    reason = "it is marked cache: false"
                    break
                }
                guard let entry = cache.load(key) else {
                    reason =
                        "its source or options, an earlier cell, the parameters or a version changed, or it never ran"
                    break
                }
                if let changed = entry.inputs.first(where: { !$0.isCurrent }) {
                    reason = "\(VisibleText.escape(changed.path, keepLines: false)) changed since it read it"
                    if announce { progress("cache: cell \(k + 1) runs again, and the cells after it: \(reason)") }
                    break
                }
                entries[k] = entry
            }
        }
        return Plan(keys: keys, entries: entries, reason: reason)
    }

    /// gnuplot's version, asked once per process: every render of a session keys its cells on the same value.
    static let gnuplotVersion = Gnuplot.version() ?? "missing"

    /// The versions that a cached cell's outputs depend on beside its source: moco, gnuplot, OpenBLAS and oneDNN.
    static var versions: String {
        "moco \(MocoVersion.string) gnuplot \(gnuplotVersion) openblas \(NativeLibraries.openBLAS) "
            + "onednn \(NativeLibraries.oneDNN)"
    }
}
