import Foundation
import MocoPlot
import MocoScript

/// Runs a notebook's code cells in order in one session, capturing each cell's printed
/// lines, plots and last value; an error stops the run and is kept in its cell.
/// Training progress goes to `progress` (it holds timings, so it stays out of reports).
public final class NotebookRunner {
    public let interpreter: Interpreter
    /// Where plots are written (the report's assets folder).
    public let assets: URL
    private var current: [CellOutput] = []

    /// - Parameters:
    ///   - source: the notebook file (relative paths in it start from its folder).
    public init(source: URL, assets: URL, progress: @escaping (String) -> Void) {
        interpreter = Interpreter(baseDirectory: source.deletingLastPathComponent())
        self.assets = assets
        interpreter.plotDirectory = assets
        interpreter.uniquePlotFiles = true
        interpreter.progress = progress
        interpreter.output = { [unowned self] line in
            if case .text(let previous)? = current.last {
                current[current.count - 1] = .text(previous + "\n" + line)
            } else {
                current.append(.text(line))
            }
        }
        interpreter.onPlot = { [unowned self] record in
            let png = (try? Data(contentsOf: record.files.image)) ?? Data()
            current.append(.image(file: record.files.image.lastPathComponent, png: png, title: record.figure.title))
        }
    }

    /// Runs `cells` (Markdown cells pass through) under the file name `name`. Returns the
    /// results and, when a cell failed, the exit status (65 script error, 70 runtime, 74 I/O).
    public func run(_ cells: [Cell], name: String, cellStarted: (Int, Cell) -> Void = { _, _ in }) -> (results: [CellResult], status: Int32) {
        var results: [CellResult] = []
        for (k, cell) in cells.enumerated() {
            guard cell.kind == .code, !cell.isEmpty else {
                results.append(CellResult(cell: cell, outputs: []))
                continue
            }
            cellStarted(k, cell)
            current = []
            interpreter.plotSize = (Int(cell.option("fig-width") ?? "") ?? 800, Int(cell.option("fig-height") ?? "") ?? 500)
            let plotsBefore = interpreter.plots.count
            do {
                let value = try interpreter.run(cell.source, name: name, firstLine: cell.firstLine)
                if let value, !isPlotPath(value, since: plotsBefore) {
                    if case .nil = value {} else { current.append(.value(value.repr)) }
                }
                results.append(CellResult(cell: cell, outputs: current))
            } catch {
                let (text, status) = ScriptError.report(error)
                current.append(.error(text))
                results.append(CellResult(cell: cell, outputs: current))
                results += cells[(k + 1)...].map { CellResult(cell: $0, outputs: []) }
                return (results, status)
            }
        }
        return (results, 0)
    }

    /// A plotting call's return value (the image path) is shown as the image, not as text.
    private func isPlotPath(_ value: Value, since first: Int) -> Bool {
        guard case .string(let s) = value else { return false }
        return interpreter.plots[first...].contains { $0.files.image.path.hasSuffix(s) }
    }
}
