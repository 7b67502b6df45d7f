/// A figure's data as tab-separated values with a header, for re-plotting elsewhere: long
/// format (one row per point, the series named in the first column).
enum DataTable {
    static func tsv(_ figure: Figure) -> String {
        var lines: [String] = []
        func field(_ s: String) -> String {
            s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        }
        func num(_ x: Double) -> String {
            x.isNaN ? "nan" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : GnuplotScript.number(x)
        }
        switch figure.content {
        case .lines(let series), .scatter(let series):
            lines.append(
                "series\t\(field(figure.xLabel.isEmpty ? "x" : figure.xLabel))\t\(field(figure.yLabel.isEmpty ? "y" : figure.yLabel))"
            )
            for s in series { for (x, y) in zip(s.x, s.y) { lines.append("\(field(s.name))\t\(num(x))\t\(num(y))") } }
        case .histogram(let samples, let bins):
            // The bins, not the raw values: a histogram of 262,144 logits stays a few kilobytes.
            let table = GnuplotScript.histogramBins(samples, bins: bins)
            lines.append("series\tbin_centre\tcount\tdensity")
            for (k, s) in samples.enumerated() {
                for b in 0..<bins {
                    lines.append(
                        "\(field(s.name))\t\(num(table.centres[b]))\t\(table.counts[k][b])\t\(num(table.densities[k][b]))"
                    )
                }
            }
        case .images(let grid):
            lines.append("row\tcolumn\tchannel\ty\tx\tvalue")
            for r in 0..<grid.rows {
                for c in 0..<grid.columns {
                    let image = grid.pixels[r * grid.columns + c]
                    for ch in 0..<grid.channels {
                        for y in 0..<grid.imageHeight {
                            for x in 0..<grid.imageWidth {
                                let v = image[(ch * grid.imageHeight + y) * grid.imageWidth + x]
                                lines.append("\(r)\t\(c)\t\(ch)\t\(y)\t\(x)\t\(num(Double(v)))")
                            }
                        }
                    }
                }
            }
        case .heatmap(let map):
            lines.append("row\tcolumn\tvalue")
            for r in 0..<map.rows {
                for c in 0..<map.columns {
                    lines.append(
                        "\(field(map.rowLabels[r]))\t\(field(map.columnLabels[c]))\t\(num(map.values[r * map.columns + c]))"
                    )
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
