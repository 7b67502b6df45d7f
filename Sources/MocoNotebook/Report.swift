import Foundation

/// Everything a report shows: the cells with their outputs and the run's reproducible facts
/// (nothing time-dependent: timings and dates go to the manifest).
public struct Report: Sendable {
    public let title: String
    /// The notebook's file name.
    public let source: String
    public let seed: UInt64
    public let engineVersion: String
    public let threads: Int
    /// The kernels the numbers came from (`Arithmetic.kernels`): `oneDNN avx2, OpenBLAS Haswell, portable`.
    public let arithmetic: String
    /// The values given with `--set`, as `epochs=100`.
    public let parameters: [String]
    /// Files the notebook read (datasets, included scripts, weights, checkpoints), with their SHA-256 (a folder: of
    /// its sorted file names and contents); `path` is where they were read, for the manifest only.
    public let inputs: [(name: String, path: String, sha256: String)]
    public let cells: [CellResult]
    /// The assets folder's name, beside the report (plots for the Markdown report).
    public let assetsFolder: String

    /// The first Markdown heading, else the file name.
    static func title(of cells: [Cell], fallback: String) -> String {
        for c in cells where c.kind == .markdown {
            for line in c.source.split(separator: "\n") where line.hasPrefix("# ") { return String(line.dropFirst(2)) }
        }
        return fallback
    }

    /// `seed 0 · moco 0.2.0 · 2 threads · oneDNN avx2, OpenBLAS Haswell, portable`, then the parameters when there
    /// are any.
    var facts: String {
        "seed \(seed) · moco \(engineVersion) · \(threads) thread\(threads == 1 ? "" : "s") · \(arithmetic)"
            + (parameters.isEmpty ? "" : " · parameters \(parameters.joined(separator: ", "))")
    }
}
