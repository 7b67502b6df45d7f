import MocoScript

/// One cell of a notebook: code run in the session, or prose in Markdown.
///
/// A notebook is a `.moco` file in the Jupytext "percent" format: `# %%` starts a code cell
/// (an optional title follows), `# %% [markdown]` a Markdown cell whose lines are `# `
/// comments; `#| key: value` lines at the top of a code cell are its options (`echo`,
/// `cache`, `label`, `fig-width`, `fig-height`). A file without markers is one code cell, so a notebook
/// is still a script `moco run` runs top to bottom.
public struct Cell: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case code
        case markdown
    }

    public let kind: Kind
    /// The text after `# %%` (code cells), if any.
    public let title: String?
    /// Code as written (options removed), or Markdown with the `# ` prefixes removed.
    public let source: String
    /// `#| key: value` options, in order.
    public let options: [(key: String, value: String)]
    /// The file line of the cell's first source line (for error locations).
    public let firstLine: Int

    public static func == (a: Cell, b: Cell) -> Bool {
        a.kind == b.kind && a.title == b.title && a.source == b.source && a.firstLine == b.firstLine
            && a.options.map(\.key) == b.options.map(\.key) && a.options.map(\.value) == b.options.map(\.value)
    }

    public func option(_ key: String) -> String? { options.last { $0.key == key }?.value }

    /// `label: name` names the cell (an anchor in HTML, the cell id in ipynb) when it is a valid id.
    public var label: String? { CellOptions.label(option("label")) }

    /// `echo: false` hides the code in reports.
    public var echo: Bool { option("echo") != "false" }
    /// `cache: false` always re-runs the cell.
    public var cacheable: Bool { option("cache") != "false" }
    /// Empty code or Markdown.
    public var isEmpty: Bool { source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    /// Whether `text` is a notebook (it has `# %%` markers) rather than a plain script.
    public static func isNotebook(_ text: String) -> Bool {
        text.split(separator: "\n", omittingEmptySubsequences: false).contains { $0.hasPrefix("# %%") }
    }

    /// The random stream identity of each code cell of a notebook (`Interpreter.beginCell`): its label, else its
    /// position among the code cells; nil for Markdown and empty cells, and for every cell of a plain script.
    public static func streams(_ cells: [Cell], notebook: Bool) -> [String?] {
        var position = 0
        return cells.map { cell in
            guard notebook, cell.kind == .code, !cell.isEmpty else { return nil }
            position += 1
            return cell.label.map { "label \($0)" } ?? "cell \(position)"
        }
    }

    /// Where each code cell of the notebook `text` starts and its stream identity, for `Interpreter.cellStreams`
    /// (`moco run` of a notebook draws the same numbers as `moco render`); empty for a plain script.
    public static func streamStarts(of text: String) -> [(firstLine: Int, identity: String)] {
        let cells = parse(text)
        return zip(cells, streams(cells, notebook: isNotebook(text))).compactMap { cell, stream in
            stream.map { (cell.firstLine, $0) }
        }
    }

    /// Splits a notebook's text into cells.
    public static func parse(_ text: String) -> [Cell] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.contains(where: { $0.hasPrefix("# %%") }) else {
            return [Cell(kind: .code, title: nil, source: text, options: [], firstLine: 1)]
        }
        var cells: [Cell] = []
        var kind = Kind.code
        var title: String?
        var body: [String] = []
        var start = 1
        var open = false
        func flush() {
            defer { body = [] }
            if kind == .markdown {
                let prose = body.map { line -> String in
                    if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
                    return line == "#" ? "" : line
                }
                cells.append(
                    Cell(
                        kind: .markdown, title: nil, source: trimBlankLines(prose).joined(separator: "\n"), options: [],
                        firstLine: start))
                return
            }
            var options: [(String, String)] = []
            var code = body
            var first = start
            while let line = code.first, line.hasPrefix("#| ") {
                if let option = CellOptions.option(line) { options.append(option) }
                code.removeFirst()
                first += 1
            }
            // Blank lines before the code do not count; lines keep their file numbers.
            while let line = code.first, line.trimmingCharacters(in: .whitespaces).isEmpty {
                code.removeFirst()
                first += 1
            }
            while let line = code.last, line.trimmingCharacters(in: .whitespaces).isEmpty { code.removeLast() }
            if open || !code.isEmpty {
                cells.append(
                    Cell(
                        kind: .code, title: title, source: code.joined(separator: "\n"), options: options,
                        firstLine: first))
            }
        }
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("# %%") {
                if open || !body.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { flush() }
                body = []
                let rest = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
                kind = rest.hasPrefix("[markdown]") || rest.hasPrefix("[md]") ? .markdown : .code
                title = kind == .code && !rest.isEmpty ? rest : nil
                start = i + 2
                open = true
                continue
            }
            body.append(line)
        }
        flush()
        return cells
    }

    private static func trimBlankLines(_ lines: [String]) -> [String] {
        var l = lines[...]
        while let f = l.first, f.trimmingCharacters(in: .whitespaces).isEmpty { l = l.dropFirst() }
        while let f = l.last, f.trimmingCharacters(in: .whitespaces).isEmpty { l = l.dropLast() }
        return Array(l)
    }
}
