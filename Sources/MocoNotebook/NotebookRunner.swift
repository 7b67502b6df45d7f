import Foundation
import MocoPlot
import MocoScript

/// Runs a notebook's code cells, one at a time, in one session, capturing each cell's
/// printed lines, plots and last value, or the error that stopped it.
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
        interpreter.trainingLog = { [unowned self] line in
            if case .log(let previous)? = current.last {
                current[current.count - 1] = .log(previous + "\n" + line)
            } else {
                current.append(.log(line))
            }
        }
        interpreter.onPlot = { [unowned self] record in
            let png = (try? Data(contentsOf: record.files.image)) ?? Data()
            current.append(.image(file: record.files.image.lastPathComponent, png: png, title: record.figure.title))
        }
    }

    /// Runs one code cell under the file name `name` with `memo` for its expensive calls, its random draws from the
    /// stream `stream` (`Interpreter.beginCell`). Returns its outputs and, when it failed, the exit status (65 script
    /// error, 70 runtime, 74 I/O) with the error as its last output.
    public func run(
        _ cell: Cell, name: String, stream: String?, memo: CallMemo? = nil
    ) -> (outputs: [CellOutput], status: Int32) {
        current = []
        interpreter.beginCell(stream: stream)
        interpreter.memo = memo
        defer { interpreter.memo = nil }
        interpreter.plotSize = (Int(cell.option("fig-width") ?? "") ?? 800, Int(cell.option("fig-height") ?? "") ?? 500)
        let plotsBefore = interpreter.plots.count
        do {
            let value = try interpreter.run(cell.source, name: name, firstLine: cell.firstLine)
            if let value, !interpreter.isPlotPath(value, since: plotsBefore) {
                if case .nil = value {} else { current.append(.value(value.repr)) }
            }
            return (current, 0)
        } catch {
            let (text, status) = ScriptError.report(error)
            current.append(.error(text))
            return (current, status)
        }
    }

}
