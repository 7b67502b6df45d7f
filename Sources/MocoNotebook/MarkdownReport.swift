/// The Markdown report: prose as written, code in fenced blocks, outputs as text blocks,
/// plots as image links into the assets folder.
enum MarkdownReport {
    static func render(_ r: Report) -> String {
        var out = ["<!-- Rendered by moco from \(r.source); re-render with: moco render \(r.source) -->", ""]
        out.append("*\(r.facts)*" + (r.dataFiles.isEmpty ? "" : "  "))
        for f in r.dataFiles { out.append("*data: \(f.name) (sha256 \(f.sha256.prefix(16))…)*  ") }
        if !r.dataFiles.isEmpty { out[out.count - 1] = String(out[out.count - 1].dropLast(2)) }
        for result in r.cells {
            let cell = result.cell
            out.append("")
            if cell.kind == .markdown {
                out.append(cell.source)
                continue
            }
            if let title = cell.title { out += ["### \(title)", ""] }
            if cell.echo { out += ["```moco", cell.source, "```"] }
            for o in result.outputs {
                switch o {
                case .text(let t), .value(let t): out += ["", "```text", t, "```"]
                case .image(let file, _, let title): out += ["", "![\(title)](\(r.assetsFolder)/\(file))"]
                case .error(let t): out += ["", "**Error:**", "", "```text", t, "```"]
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
