import Foundation

/// The self-contained HTML report: no external assets, plots inline as base64 PNG, code
/// highlighted, Markdown rendered, and a header with the run's reproducible facts.
enum HTMLReport {
    static let style = """
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}
        header{border-bottom:1px solid #ddd;margin-bottom:1.5rem;padding-bottom:.5rem}
        header h1{margin:.2rem 0}.facts{color:#555;font-size:13px}.facts code{font-size:12px}
        pre{padding:.6rem .8rem;border-radius:6px;overflow-x:auto;font:13px/1.45 ui-monospace,"DejaVu Sans Mono",monospace;margin:.4rem 0}
        pre.code{background:#f6f8fa;border:1px solid #e3e6ea}pre.output{background:#fff;border-left:3px solid #8ab4f8}
        pre.error{background:#fff5f5;border-left:3px solid #d33;color:#a00}details.log summary{color:#555;font-size:13px;cursor:pointer}
        .cell{margin:1rem 0}.cell h3{margin:1.4rem 0 .3rem;font-size:16px}
        figure{margin:.6rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:12px;color:#666}
        .k{color:#a626a4;font-weight:600}.b{color:#4078f2}.s{color:#50a14f}.n{color:#986801}.c{color:#8a8f98;font-style:italic}
        """

    static func render(_ r: Report) -> String {
        var body: [String] = []
        // The first Markdown heading usually is the title: then the header does not repeat it.
        let titled = r.cells.contains { $0.cell.kind == .markdown && $0.cell.source.hasPrefix("# \(r.title)") }
        body.append(
            "<header>" + (titled ? "" : "<h1>\(HTML.escape(r.title))</h1>")
                + "<div class=\"facts\">\(HTML.escape(r.source)) · \(HTML.escape(r.facts))")
        for f in r.inputs {
            body.append("<br>input: <code>\(HTML.escape(f.name))</code> sha256 <code>\(f.sha256)</code>")
        }
        body.append(
            "<br>timings: <code>\(HTML.escape((r.source as NSString).deletingPathExtension))</code>.manifest.json beside this report</div></header>"
        )
        for result in r.cells {
            let cell = result.cell
            if cell.kind == .markdown {
                body.append("<section class=\"cell markdown\">\n\(HTML.markdown(cell.source))\n</section>")
                continue
            }
            var parts: [String] = []
            if let title = cell.title { parts.append("<h3>\(HTML.escape(title))</h3>") }
            if cell.echo { parts.append("<pre class=\"code\"><code>\(HTML.highlight(cell.source))</code></pre>") }
            for o in result.outputs {
                switch o {
                case .text(let t), .value(let t): parts.append("<pre class=\"output\">\(HTML.escape(t))</pre>")
                case .image(_, let png, let title):
                    parts.append(
                        "<figure><img alt=\"\(HTML.escape(title))\" src=\"data:image/png;base64,\(png.base64EncodedString())\"><figcaption>\(HTML.escape(title))</figcaption></figure>"
                    )
                case .log(let t):
                    let count = t.split(separator: "\n").count
                    parts.append(
                        "<details class=\"log\"><summary>training log (\(count) line\(count == 1 ? "" : "s"))</summary>"
                            + "<pre class=\"output\">\(HTML.escape(t))</pre></details>")
                case .error(let t): parts.append("<pre class=\"error\">\(HTML.escape(t))</pre>")
                }
            }
            let anchor = cell.label.map { " id=\"\($0)\"" } ?? ""
            body.append("<section class=\"cell code\"\(anchor)>\n" + parts.joined(separator: "\n") + "\n</section>")
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="moco \(r.engineVersion)">
            <title>\(HTML.escape(r.title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }
}
