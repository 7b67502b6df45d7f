/// The Markdown report: prose as written, code in fenced blocks, outputs as text blocks,
/// plots as image links into the assets folder.
enum MarkdownReport {
    static func render(_ r: Report) -> String {
        let source = SafeMarkdown.label(r.source).replacingOccurrences(of: "--", with: "- -")
        var out = ["<!-- Rendered by moco from \(source); re-render with: moco render \(source) -->", ""]
        out.append("*\(r.facts)*" + (r.inputs.isEmpty ? "" : "  "))
        for f in r.inputs { out.append("*input: \(f.name) (sha256 \(f.sha256.prefix(16))…)*  ") }
        if !r.inputs.isEmpty { out[out.count - 1] = String(out[out.count - 1].dropLast(2)) }
        for result in r.cells {
            let cell = result.cell
            out.append("")
            if cell.kind == .markdown {
                out.append(SafeMarkdown.prose(cell.source))
                continue
            }
            if let title = cell.title { out += ["### \(SafeMarkdown.label(title))", ""] }
            if cell.echo { out += SafeMarkdown.fenced(cell.source, info: "moco") }
            for o in result.outputs {
                switch o {
                case .text(let t), .value(let t): out += [""] + SafeMarkdown.fenced(t)
                case .image(let file, _, let title):
                    let path = "\(r.assetsFolder)/\(file)"
                    let destination = path.contains(where: { " ()<>".contains($0) }) ? "<\(path)>" : path
                    out += ["", "![\(SafeMarkdown.label(title))](\(destination))"]
                case .log(let t):
                    let count = t.split(separator: "\n").count
                    out +=
                        ["", "<details><summary>training log (\(count) line\(count == 1 ? "" : "s"))</summary>", ""]
                        + SafeMarkdown.fenced(t) + ["", "</details>"]
                case .error(let t): out += ["", "**Error:**", ""] + SafeMarkdown.fenced(t)
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
