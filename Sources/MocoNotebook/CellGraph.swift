import MocoScript
import MocoSupport

/// How a notebook's code cells depend on each other, and the cache key each cell gets from that.
///
/// A cell depends on the earlier cells that last defined a name it uses (`NameFlow`: declarations, assignments, engine
/// objects changed in place, the seed). Its key hashes its source, its options, its random stream's identity, the
/// notebook's seed, thread count, parameters and versions, and the keys of the cells it depends on: editing a cell
/// changes its key and the keys of the cells that depend on it, transitively, and no other.
struct CellGraph {
    /// Each code cell's random stream identity (nil for other cells, and for the one cell of a plain script).
    let streams: [String?]
    /// For each cell, the earlier code cells it depends on directly, in order.
    let dependencies: [[Int]]
    /// Each code cell's cache key (nil for Markdown and empty cells).
    let keys: [String?]

    /// - Parameters:
    ///   - notebook: whether the file has `# %%` cells (a plain script is one cell with the session's own stream).
    ///   - base: what every key depends on: the format, seed, threads, versions and parameters.
    init(_ cells: [Cell], notebook: Bool, base: String) {
        let streams = Cell.streams(cells, notebook: notebook)
        var flow = NameFlow()
        var definer: [String: Int] = [:]
        var everything: Int?
        var code: [Int] = []
        var dependencies = [[Int]](repeating: [], count: cells.count)
        var keys = [String?](repeating: nil, count: cells.count)
        for (k, cell) in cells.enumerated() where cell.kind == .code && !cell.isEmpty {
            let effects = flow.add(cell.source)
            var uses = Set<Int>()
            if effects.uses.contains(NameFlow.everything) {
                uses.formUnion(code)
            } else {
                for name in effects.uses { if let d = definer[name] { uses.insert(d) } }
                if let everything { uses.insert(everything) }
            }
            if effects.defines.contains(NameFlow.everything) {
                (everything, definer) = (k, [:])
            }
            for name in effects.defines { definer[name] = k }
            dependencies[k] = uses.sorted()
            let options = cell.options.filter { !["echo", "label"].contains($0.key) }.map { "\($0.key)=\($0.value)" }
            let parts = [base, streams[k] ?? "", cell.source, options.joined(separator: "\n")]
            keys[k] = SHA256.hex((parts + dependencies[k].map { keys[$0]! }).joined(separator: "\u{1F}"))
            code.append(k)
        }
        (self.streams, self.dependencies, self.keys) = (streams, dependencies, keys)
    }

    /// The indices of the code cells, in order.
    var codeCells: [Int] { keys.indices.filter { keys[$0] != nil } }

    /// Why cell `k` runs because a cell it depends on runs (`among`: those that run, or ran), or nil.
    func upstream(of k: Int, in cells: [Cell], among: Set<Int>, verb: String) -> String? {
        guard let d = dependencies[k].first(where: among.contains) else { return nil }
        let position = codeCells.firstIndex(of: d).map { $0 + 1 } ?? d + 1
        return "it depends on cell \(position) (\(Renderer.label(of: cells[d]))), which \(verb)"
    }
}
