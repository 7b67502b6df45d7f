import Foundation

/// The report as a Jupyter notebook (nbformat 4.5): cell ids, outputs as `stream`,
/// `execute_result`, `display_data` (base64 PNG) and `error`.
enum NotebookJSON {
    static func render(_ r: Report) throws -> String {
        func lines(_ s: String) -> [String] {
            let parts = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }.filter {
                !$0.isEmpty
            }
        }
        var cells: [[String: Any]] = []
        var count = 0
        var ids = Set<String>()
        let streams = Cell.streams(r.cells.map(\.cell), notebook: true)
        for (i, result) in r.cells.enumerated() {
            let cell = result.cell
            // Cell ids are unique. A code cell's names its random stream, so the moco kernel running the notebook
            // draws what the render drew: its label, unless taken, else `cell-N` for the N-th code cell.
            let stream = streams[i]
            let id =
                cell.label.flatMap { ids.contains($0) ? nil : $0 }
                ?? stream.map { $0.replacingOccurrences(of: " ", with: "-") } ?? "prose-\(i + 1)"
            ids.insert(id)
            if cell.kind == .markdown {
                cells.append([
                    "cell_type": "markdown", "id": id, "metadata": [String: Any](),
                    "source": lines(SafeMarkdown.prose(cell.source))
                ])
                continue
            }
            count += 1
            var outputs: [[String: Any]] = []
            for o in result.outputs {
                switch o {
                case .text(let t): outputs.append(["output_type": "stream", "name": "stdout", "text": lines(t + "\n")])
                case .log(let t): outputs.append(["output_type": "stream", "name": "stderr", "text": lines(t + "\n")])
                case .value(let t):
                    outputs.append([
                        "output_type": "execute_result", "execution_count": count, "metadata": [String: Any](),
                        "data": ["text/plain": lines(t)]
                    ])
                case .image(_, let png, let title):
                    outputs.append([
                        "output_type": "display_data", "metadata": [String: Any](),
                        "data": ["image/png": png.base64EncodedString(), "text/plain": [title]]
                    ])
                case .error(let t):
                    let first = t.split(separator: "\n").first.map(String.init) ?? t
                    outputs.append([
                        "output_type": "error", "ename": "MocoError", "evalue": first,
                        "traceback": t.split(separator: "\n").map(String.init)
                    ])
                }
            }
            var metadata: [String: Any] = [:]
            if let title = cell.title { metadata["title"] = title }
            if !cell.options.isEmpty {
                metadata["moco"] = Dictionary(cell.options.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            }
            if !cell.echo { metadata["jupyter"] = ["source_hidden": true] }
            // The options stay in the source as `#| key: value` lines (as Quarto writes them), so a kernel that runs
            // the notebook sees the cell's label.
            let options = cell.options.map { "#| \($0.key): \($0.value)\n" }.joined()
            cells.append([
                "cell_type": "code", "id": id, "execution_count": count, "metadata": metadata,
                "source": lines(options + cell.source),
                "outputs": outputs
            ])
        }
        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": [
                "kernelspec": ["display_name": "moco", "language": "moco", "name": "moco"],
                "language_info": ["name": "moco", "file_extension": ".moco", "version": r.engineVersion],
                "moco": [
                    "seed": r.seed, "threads": r.threads, "arithmetic": r.arithmetic, "source": r.source,
                    "parameters": r.parameters,
                    "inputs": r.inputs.map { ["file": $0.name, "sha256": $0.sha256] }
                ]
            ]
        ]
        let data = try JSONSerialization.data(
            withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
