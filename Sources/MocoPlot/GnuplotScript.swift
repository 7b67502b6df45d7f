import MocoSupport

/// Output formats gnuplot draws for us.
public enum PlotFormat: String, Sendable, CaseIterable {
    /// `pngcairo`, the default.
    case png
    case svg
    /// gnuplot's `dumb` terminal: a text preview.
    case text

    var terminal: String {
        switch self {
        case .png: return "pngcairo"
        case .svg: return "svg"
        case .text: return "dumb"
        }
    }

    public var fileExtension: String { self == .text ? "txt" : rawValue }
}

/// Writes a `Figure` as a self-contained gnuplot script: terminal, labels, the data as named
/// datablocks (`$s1 << EOD`) with round-trip numbers, and one `plot` command. The output
/// file is the variable `outfile`, which the script sets unless it is given (`gnuplot -e
/// "outfile='x.png'" file.gp`), so the script re-runs on its own.
public enum GnuplotScript {
    /// Colours of series, in order (the Tableau 10 palette).
    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
    ]

    public static func render(_ figure: Figure, format: PlotFormat, output: String) -> String {
        // User text never stands bare in a comment: quoted, a comment line cannot end in a backslash
        // (gnuplot would continue the comment onto the next line).
        var lines = [
            "# \(figure.title.isEmpty ? "moco plot" : quote(figure.title))",
            "# Written by moco; re-draw with: gnuplot \(quote(basename(output).dropLastExtension + ".gp"))",
            "if (!exists(\"outfile\")) outfile = \(quote(basename(output)))"
        ]
        switch format {
        case .png: lines.append("set terminal pngcairo size \(figure.width),\(figure.height) enhanced font \"sans,10\"")
        case .svg:
            lines.append(
                "set terminal svg size \(figure.width),\(figure.height) enhanced font \"sans,10\" background \"white\"")
        case .text: lines.append("set terminal dumb size \(figure.width),\(figure.height)")
        }
        lines.append("set output outfile")
        lines.append("set encoding utf8")
        if !figure.title.isEmpty { lines.append("set title \(quote(figure.title)) noenhanced") }
        if !figure.xLabel.isEmpty { lines.append("set xlabel \(quote(figure.xLabel)) noenhanced") }
        if !figure.yLabel.isEmpty { lines.append("set ylabel \(quote(figure.yLabel)) noenhanced") }
        switch figure.content {
        case .lines(let series): lines += curves(series, logY: figure.logY, points: false)
        case .scatter(let series): lines += curves(series, logY: false, points: true)
        case .histogram(let samples, let bins):
            if figure.yLabel.isEmpty { lines.append("set ylabel \(quote(samples.count > 1 ? "density" : "count"))") }
            lines += histogram(samples, bins: bins, logY: figure.logY)
        case .images(let grid): lines += images(grid)
        case .heatmap(let map): lines += heatmap(map)
        }
        lines.append("unset output")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func curves(_ series: [Curve], logY: Bool, points: Bool) -> [String] {
        // Ranges fit the data with a margin, so a curve along an axis limit (an accuracy of 1, a momentum of 0.99)
        // stays visible and a point cloud fills the frame without bands.
        var lines = [
            "set key outside right top noenhanced", "set grid lc rgb \"#dddddd\"", "set autoscale fix",
            points
                ? "set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03"
                : "set offsets 0, 0, graph 0.05, graph 0.05"
        ]
        if logY { lines.append("set logscale y") }
        var plots: [String] = []
        var colour = 0
        for (k, s) in series.enumerated() {
            lines.append("$s\(k + 1) << EOD")
            for (x, y) in zip(s.x, s.y) { lines.append("\(number(x)) \(number(y))") }
            lines.append("EOD")
            let c = palette[colour % palette.count]
            if points {
                plots.append("$s\(k + 1) using 1:2 with points pt 7 ps 0.5 lc rgb \"\(c)\" title \(quote(s.name))")
            } else if s.faint {
                plots.append("$s\(k + 1) using 1:2 with lines lw 1 lc rgb \"#b0\(c.dropFirst())\" notitle")
            } else {
                plots.append("$s\(k + 1) using 1:2 with lines lw 2 lc rgb \"\(c)\" title \(quote(s.name))")
            }
            if !s.faint { colour += 1 }
        }
        lines.append("plot " + plots.joined(separator: ", \\\n     "))
        return lines
    }

    /// Bin edges shared by all samples: `bins` equal bins over the finite values' range.
    static func binning(_ samples: [Sample], bins: Int) -> (low: Double, width: Double) {
        let finite = samples.flatMap(\.values).filter(\.isFinite)
        let low = finite.min() ?? 0
        let high = finite.max() ?? 1
        // high / n - low / n: (high - low) / n overflows for values near the largest doubles.
        var width = high > low ? (high - low) / Double(bins) : 1
        if !width.isFinite { width = high / Double(bins) - low / Double(bins) }
        return (low, width)
    }

    /// The bin of `v` among `bins` bins from `low`, each `width` wide (the last bin is closed).
    static func bin(_ v: Double, low: Double, width: Double, bins: Int) -> Int {
        var position = (v - low) / width
        if !position.isFinite { position = v / width - low / width }
        guard position.isFinite else { return position > 0 ? bins - 1 : 0 }
        return Swift.min(bins - 1, Swift.max(0, Int(Swift.min(position, Double(bins)))))
    }

    /// Each sample's bins over common bins: the bin centres, counts, and densities (count / (finite values x bin
    /// width), so samples of very different sizes, 256 positive logits beside 262,144 negatives, show side by side).
    static func histogramBins(_ samples: [Sample], bins: Int) -> (
        centres: [Double], counts: [[Int]], densities: [[Double]]
    ) {
        let (low, width) = binning(samples, bins: bins)
        let centres = (0..<bins).map { low + (Double($0) + 0.5) * width }
        let counts = samples.map { s in
            var counts = [Int](repeating: 0, count: bins)
            for v in s.values where v.isFinite { counts[bin(v, low: low, width: width, bins: bins)] += 1 }
            return counts
        }
        let densities = counts.map { c in
            let n = Double(c.reduce(0, +))
            return c.map { n > 0 && width > 0 ? Double($0) / (n * width) : 0 }
        }
        return (centres, counts, densities)
    }

    /// Overlaid histograms: counts for one sample, densities for several.
    private static func histogram(_ samples: [Sample], bins: Int, logY: Bool) -> [String] {
        let (_, width) = binning(samples, bins: bins)
        let table = histogramBins(samples, bins: bins)
        var lines = [
            "set key outside right top noenhanced", "set grid lc rgb \"#dddddd\"",
            "set style fill transparent solid 0.45 noborder", "set boxwidth \(number(width)) absolute"
        ]
        if logY { lines.append("set logscale y") }
        var plots: [String] = []
        for (k, s) in samples.enumerated() {
            lines.append("$h\(k + 1) << EOD")
            for b in 0..<bins {
                let y = samples.count > 1 ? number(table.densities[k][b]) : String(table.counts[k][b])
                lines.append("\(number(table.centres[b])) \(y)")
            }
            lines.append("EOD")
            plots.append(
                "$h\(k + 1) using 1:2 with boxes lc rgb \"\(palette[k % palette.count])\" title \(quote(s.name))")
        }
        lines.append("plot " + plots.joined(separator: ", \\\n     "))
        return lines
    }

    private static func images(_ grid: ImageGrid) -> [String] {
        let gap = max(1, grid.imageWidth / 8)
        let cellW = grid.imageWidth + gap
        let cellH = grid.imageHeight + gap
        let totalW = grid.columns * cellW - gap
        let totalH = grid.rows * cellH - gap
        var lines = [
            "unset key", "unset border", "unset tics", "set size ratio -1",
            "set xrange [-0.5:\(totalW) - 0.5]", "set yrange [-0.5:\(totalH) - 0.5]"
        ]
        if !grid.rowLabels.isEmpty { lines.append("set lmargin 10") }
        if !grid.columnLabels.isEmpty { lines += ["set tmargin 5", "set title offset 0,1.5"] }

        for (c, label) in grid.columnLabels.prefix(grid.columns).enumerated() {
            lines.append(
                "set label \(quote(label)) at \(GnuplotScript.number(Double(c * cellW) + Double(grid.imageWidth - 1) / 2)),\(totalH) center offset 0,1 noenhanced"
            )
        }
        for (r, label) in grid.rowLabels.prefix(grid.rows).enumerated() {
            lines.append(
                "set label \(quote(label)) at -0.5,\(GnuplotScript.number(Double((grid.rows - 1 - r) * cellH) + Double(grid.imageHeight - 1) / 2)) right offset -1,0 noenhanced"
            )
        }
        // A full rectangle of pixels (gaps white): gnuplot's image plots need a complete grid.
        lines.append("$pixels << EOD")
        for y in 0..<totalH {
            let rowFromTop = totalH - 1 - y
            let r = rowFromTop / cellH
            let py = rowFromTop % cellH
            for x in 0..<totalW {
                let c = x / cellW
                let px = x % cellW
                var rgb = (255, 255, 255)
                if py < grid.imageHeight && px < grid.imageWidth {
                    let image = grid.pixels[r * grid.columns + c]
                    let plane = grid.imageHeight * grid.imageWidth
                    let at = py * grid.imageWidth + px
                    func byte(_ channel: Int) -> Int {
                        Int((min(1, max(0, image[channel * plane + at])) * 255).rounded())
                    }
                    rgb = grid.channels == 3 ? (byte(0), byte(1), byte(2)) : (byte(0), byte(0), byte(0))
                }
                lines.append("\(x) \(y) \(rgb.0) \(rgb.1) \(rgb.2)")
            }
        }
        lines.append("EOD")
        lines.append("plot $pixels using 1:2:3:4:5 with rgbimage")
        return lines
    }

    private static func heatmap(_ map: Heatmap) -> [String] {
        let finite = map.values.filter(\.isFinite)
        let high = max(finite.max() ?? 1, finite.min() ?? 0, 1e-300)
        func tics(_ labels: [String]) -> String {
            "(" + labels.enumerated().map { "\(quote($0.element)) \($0.offset)" }.joined(separator: ", ") + ")"
        }
        var lines = [
            "unset key", "set termoption noenhanced", "set size ratio -1",
            "set xrange [-0.5:\(map.columns) - 0.5]", "set yrange [\(map.rows) - 0.5:-0.5]",
            "set xtics \(tics(map.columnLabels)) rotate by 45 right", "set ytics \(tics(map.rowLabels))",
            "set tics scale 0", "set palette defined (0 '#ffffff', 1 '#1f77b4')",
            "set cbrange [\(number(min(finite.min() ?? 0, 0))):\(number(high))]"
        ]
        lines.append("$cells << EOD")
        for r in 0..<map.rows {
            lines.append((0..<map.columns).map { number(map.values[r * map.columns + $0]) }.joined(separator: " "))
        }
        lines.append("EOD")
        lines.append(
            "plot $cells matrix with image, $cells matrix using 1:2:(sprintf('%g', $3)) with labels font \",9\"")
        return lines
    }

    /// A number that reads back exactly (Swift's shortest round-trip form); NaN for non-finite.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "NaN" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// `s` as a gnuplot single-quoted string, which gnuplot reads as data only: no backquote
    /// command substitution, no `@` macros, no escapes inside; a quote is doubled. Newlines
    /// become spaces and every other control, separator or bidirectional character is spelled
    /// out (`\x1b`), so the string cannot end its line and start a command.
    public static func quote(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        return "'" + VisibleText.escape(flat, keepLines: false).replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension String {
    var dropLastExtension: String {
        guard let dot = lastIndex(of: "."), dot != startIndex else { return self }
        return String(self[..<dot])
    }
}
