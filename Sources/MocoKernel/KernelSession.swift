import Foundation
import MocoScript
import MocoSupport

/// The session behind a kernel: one interpreter for the kernel's life, so names defined in one cell are there in the
/// next; it runs cells, completes, inspects and tells whether code is complete, sending output through `stream`
/// (stdout and stderr text) and `display` (rich data, plots as PNG) while a cell runs.
final class KernelSession {
    let interpreter: Interpreter
    /// The number of the last cell that counted (`In [n]`).
    private(set) var executionCount = 0
    /// The cells run, as `history_request` lists them: number, code and the text of its value, if any.
    private(set) var history: [(count: Int, code: String, output: String?)] = []
    var stream: (_ name: String, _ text: String) -> Void = { _, _ in }
    var display: (_ data: [String: Any]) -> Void = { _ in }
    /// Shows (`update` false) or replaces (`update` true) the output with the id `id`: training's live status line.
    var displayUpdate: (_ data: [String: Any], _ id: String, _ update: Bool) -> Void = { _, _, _ in }
    /// The live status of the training running now: its display id and when it was last drawn.
    private var status: (id: String, drawn: Date)?

    /// A cell's error, as the protocol reports it.
    struct Failure {
        let ename: String
        let evalue: String
        let traceback: [String]
    }

    /// - Parameters:
    ///   - plots: where plots are written before they are sent.
    ///   - interrupted: asked at every training step (a SIGINT or an interrupt request).
    init(plots: URL, interrupted: @escaping () -> Bool) {
        interpreter = Interpreter()
        interpreter.plotDirectory = plots
        interpreter.uniquePlotFiles = true
        interpreter.fileAccess = FileAccess(
            write: [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), plots], read: nil,
            writeHint: "moco kernel --allow-write DIR")
        interpreter.interruptSource = interrupted
        interpreter.output = { [unowned self] in stream("stdout", $0 + "\n") }
        interpreter.progress = { [unowned self] in stream("stderr", VisibleText.escape($0) + "\n") }
        interpreter.warn = { [unowned self] in stream("stderr", "warning: " + VisibleText.escape($0) + "\n") }
        interpreter.stepProgress = { [unowned self] in showStatus($0) }
        interpreter.onPlot = { [unowned self] record in
            let file = record.files.image
            let text = "<plot: \(record.figure.title)>"
            switch (file.pathExtension, try? Data(contentsOf: file)) {
            case ("png", let bytes?): display(["image/png": bytes.base64EncodedString(), "text/plain": text])
            case ("svg", let bytes?):
                display(["image/svg+xml": String(decoding: bytes, as: UTF8.self), "text/plain": text])
            case (_, let bytes?): display(["text/plain": String(decoding: bytes, as: UTF8.self)])  // format: "text"
            case (_, nil): stream("stderr", "plot: cannot read \(file.path)\n")
            }
        }
    }

    /// Runs a cell; its value (nil when it has none, its last statement is not an expression, or it is the file of a
    /// plot the cell drew), or why it failed. `count`: whether it is numbered and kept in the history (not for silent
    /// requests). A counted cell draws from a random stream of its own, as a notebook's cells do in `moco render`:
    /// named by the front end's cell id (`cell`, as JupyterLab sends it), else by a `#| label:` line at its top, else
    /// by its number, so a notebook run from top to bottom draws what its render drew.
    func execute(_ code: String, count: Bool, cell: String? = nil) -> Result<Value?, FailureBox> {
        if count { executionCount += 1 }
        status = nil
        let name = count ? "In[\(executionCount)]" : "<silent>"
        if count {
            let label = Self.label(in: code)
            interpreter.beginCell(
                stream: cell.map(Self.stream(ofCell:)) ?? label.map { "label \($0)" } ?? "cell \(executionCount)")
        }
        let plotsBefore = interpreter.plots.count
        do {
            try ArithmeticDirective.check(
                code, name: name,
                restart: "start it with the moco (portable) kernel (moco kernel install --portable) to run this cell")
            var value = try interpreter.run(code, name: name)
            if let v = value, case .nil = v { value = nil }
            if let v = value, interpreter.isPlotPath(v, since: plotsBefore) { value = nil }
            if let value { interpreter.setGlobal("_", value) }
            if count { history.append((executionCount, code, value?.repr)) }
            return .success(value)
        } catch {
            if count { history.append((executionCount, code, nil)) }
            let (text, status) = ScriptError.report(error)
            let ename = [65: "SyntaxError", 70: "RuntimeError", 74: "IOError"][status] ?? "Error"
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let first = lines.first ?? ""
            let evalue = first.range(of: "error: ").map { String(first[$0.upperBound...]) } ?? first
            return .failure(FailureBox(Failure(ename: ename, evalue: evalue, traceback: lines)))
        }
    }

    /// Training's status line (epoch, step, loss, kNN, speed, time left), one display per cell updated in place at most
    /// ten times a second and at the end of each epoch.
    private func showStatus(_ s: TrainingStatus) {
        let now = Date()
        if let status, now.timeIntervalSince(status.drawn) < 0.1 && s.step != s.steps { return }
        var line = String(format: "epoch %d/%d  step %d/%d  loss %.4f", s.epoch, s.epochs, s.step, s.steps, s.loss)
        if let knn = s.knn { line += String(format: "  kNN %.2f%%", knn * 100) }
        line += String(format: "  %.0f img/s  %.0f s left", s.imagesPerSecond, s.secondsLeft)
        let id = status?.id ?? "moco-training-\(UUID().uuidString.lowercased())"
        displayUpdate(["text/plain": line], id, status != nil)
        status = (id, now)
    }

    /// The random stream of the cell with the front end's id `id`: `cell-N` is the N-th code cell of a notebook moco
    /// rendered, any other id a label (`Cell.streams`), so the kernel draws what `moco render` drew.
    static func stream(ofCell id: String) -> String {
        if id.hasPrefix("cell-"), let n = Int(id.dropFirst(5)), n > 0 { return "cell \(n)" }
        return "label \(id)"
    }

    /// The value of a `#| label: name` line among the `#|` lines at the top of `code` (a notebook cell's options).
    static func label(in code: String) -> String? {
        CellOptions.label(CellOptions.leading(code).last { $0.key == "label" }?.value)
    }

    /// A `Failure` as an `Error`, for `Result`.
    struct FailureBox: Error {
        let failure: Failure
        init(_ failure: Failure) { self.failure = failure }
    }

    /// The completions at `cursor` (in Unicode scalars): the matches and the range they replace.
    func complete(_ code: String, cursor: Int) -> (matches: [String], start: Int, end: Int) {
        let prefix = String(String.UnicodeScalarView(code.unicodeScalars.prefix(cursor)))
        let lineStart = prefix.lastIndex(of: "\n").map { prefix.index(after: $0) } ?? prefix.startIndex
        let line = String(prefix[lineStart...])
        let completion = Completer(interpreter: interpreter).complete(line)
        let before = prefix.unicodeScalars.count - line.unicodeScalars.count
        let start = before + String(Array(line)[..<completion.start]).unicodeScalars.count
        return (completion.candidates, start, prefix.unicodeScalars.count)
    }

    /// The help of the name at `cursor`: a builtin, `type.member` after a value, or a variable's type and value.
    func inspect(_ code: String, cursor: Int) -> String? {
        let scalars = Array(code.unicodeScalars)
        var (start, end) = (min(cursor, scalars.count), min(cursor, scalars.count))
        func isName(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_" }
        while start > 0, isName(scalars[start - 1]) { start -= 1 }
        while end < scalars.count, isName(scalars[end]) { end += 1 }
        guard start < end else { return nil }
        let word = String(String.UnicodeScalarView(scalars[start..<end]))
        if start > 1, scalars[start - 1] == "." {
            var base = start - 1
            while base > 0, isName(scalars[base - 1]) { base -= 1 }
            let receiver = String(String.UnicodeScalarView(scalars[base..<(start - 1)]))
            if let value = interpreter.global(receiver),
                let text = BuiltinLibrary.help(topic: "\(value.typeName).\(word)")
            {
                return text
            }
        }
        if let text = BuiltinLibrary.help(topic: word) { return text }
        if let value = interpreter.global(word) { return "\(word): \(value.typeName)\n\(value.repr)" }
        return nil
    }

    /// `complete`, `incomplete` or `invalid`, as the parser sees `code`.
    static func completeness(_ code: String) -> String {
        switch Parser.status(of: code) {
        case .complete: return "complete"
        case .incomplete: return "incomplete"
        case .error: return "invalid"
        }
    }
}
