import Foundation
import MocoPlot
import MocoTestSupport
import Testing

/// Figures of every kind, small enough for golden scripts.
enum Samples {
    static let lines = Figure(
        title: "InfoNCE loss", xLabel: "step", yLabel: "loss", logY: true,
        content: .lines([
            Curve(name: "loss", x: [1, 2, 3, 4, 5], y: [6.9, 6.1, 5.2, 0.1, 4.4], faint: true),
            Curve(name: "loss", y: [6.9, 6.5, 5.9, 4.4, 4.4]).smoothed(alpha: 0.5),
            Curve(name: "m = 0.999", y: [7, 6.8, 6.4, 6, 5.1])
        ]))
    static let scatter = Figure(
        title: "t-SNE of digits' features",
        content: .scatter([
            Curve(name: "0", x: [0, 0.5, 1], y: [0, 1, 0.25]),
            Curve(name: "1", x: [5, 5.5, 6.25], y: [5, 4, 5.5])
        ]), width: 600, height: 600)
    static let histogram = Figure(
        title: "logits", xLabel: "q·k / T", yLabel: "count",
        content: .histogram(
            [
                Sample(name: "positive", values: [8, 9, 9.5, 10, 11]),
                Sample(name: "negative", values: [-1, 0, 0.5, 1, 2, 2.5, .nan])
            ], bins: 6))
    static let gallery = Figure(
        title: "augmentations",
        content: .images(
            ImageGrid(
                rows: 2, columns: 3, channels: 1, imageHeight: 2, imageWidth: 2,
                pixels: (0..<6).map { k in (0..<4).map { Float(($0 + k) % 4) / 3 } },
                rowLabels: ["image 1", "image 2"], columnLabels: ["original", "view 1", "view 2"])), width: 480,
        height: 360)
    static let colourGallery = Figure(
        title: "colour",
        content: .images(
            ImageGrid(
                rows: 1, columns: 2, channels: 3, imageHeight: 4, imageWidth: 4,
                pixels: (0..<2).map { k in (0..<48).map { Float(($0 * 7 + k) % 11) / 10 } })), width: 300, height: 200)
    static let heatmap = Figure(
        title: "confusion", xLabel: "predicted", yLabel: "true",
        content: .heatmap(
            Heatmap(
                values: [5, 1, 0, 0, 7, 2, 1, 0, 9], rowLabels: ["cat", "dog's", "bird ^2"],
                columnLabels: ["cat", "dog's", "bird ^2"])), width: 420, height: 400)
    static let all = [
        ("lines", lines), ("scatter", scatter), ("histogram", histogram), ("gallery", gallery),
        ("colour", colourGallery), ("heatmap", heatmap)
    ]
}

@Suite("Plots through gnuplot")
struct PlotTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Width and height from a PNG's IHDR chunk, nil when the bytes are not a PNG.
    static func pngSize(_ url: URL) -> (Int, Int)? {
        guard let d = try? Data(contentsOf: url), d.count > 24,
            d.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        else { return nil }
        func be(_ at: Int) -> Int { d[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    @Test("gnuplot is installed (scripts/setup installs gnuplot-nox)")
    func installed() {
        #expect(Gnuplot.version()?.hasPrefix("gnuplot 5") == true)
    }

    @Test(
        "every kind renders to a PNG of the requested size, an SVG, a script and a TSV", arguments: Samples.all.map(\.0)
    )
    func renders(_ kind: String) throws {
        let figure = Samples.all.first { $0.0 == kind }!.1
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plotter = Plotter(directory: dir.appendingPathComponent("plots"))
        let png = try plotter.plot(figure, name: kind)
        #expect(png.image.lastPathComponent == "\(kind).png")
        let size = try #require(Self.pngSize(png.image))
        #expect(size == (figure.width, figure.height))
        #expect(
            FileManager.default.fileExists(atPath: png.script.path)
                && FileManager.default.fileExists(atPath: png.data.path))
        let svg = try plotter.plot(figure, name: "\(kind).svg")
        let text = try String(contentsOf: svg.image, encoding: .utf8)
        #expect(
            text.contains("<svg") && text.contains("width=\"\(figure.width)\"")
                && text.contains("height=\"\(figure.height)\""))
        // No temporary files are left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("plots").path)
        #expect(left.filter { $0.hasPrefix(".") }.isEmpty, "\(left)")
    }

    @Test(
        "the gnuplot scripts match the golden files (MOCO_UPDATE_GOLDEN=1 rewrites them)",
        arguments: Samples.all.map(\.0))
    func golden(_ kind: String) throws {
        let figure = Samples.all.first { $0.0 == kind }!.1
        let script = GnuplotScript.render(figure, format: .png, output: "\(kind).png")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Golden/\(kind).gp")
        Golden.expect(script, matches: url)
    }

    @Test("the title names the files when no name is given")
    func slugs() throws {
        #expect(Plotter.slug("InfoNCE loss (m = 0.99)") == "infonce-loss-m-0-99")
        #expect(Plotter.slug("  ") == "plot")
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Plotter(directory: dir).plot(Samples.lines)
        #expect(out.image.lastPathComponent == "infonce-loss.png")
        #expect(out.data.lastPathComponent == "infonce-loss.tsv")
        let tsv = try String(contentsOf: out.data, encoding: .utf8)
        #expect(tsv.hasPrefix("series\tstep\tloss\nloss\t1\t6.9\n"))
    }

    @Test("overlaid histograms plot densities and keep their data as bins, however many values they have")
    func histogramDensities() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = Sample(name: "positive", values: (0..<256).map { 5 + Double($0 % 16) / 16 })
        let large = Sample(name: "negative", values: (0..<262_144).map { Double($0 % 1000) / 200 })
        let figure = Figure(title: "logits", content: .histogram([small, large], bins: 40))
        let out = try Plotter(directory: dir).plot(figure)
        let rows = try String(contentsOf: out.data, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "series\tbin_centre\tcount\tdensity" && rows.count == 81)
        #expect((try FileManager.default.attributesOfItem(atPath: out.data.path)[.size] as? Int ?? .max) < 4096)
        let script = try String(contentsOf: out.script, encoding: .utf8)
        #expect(script.contains("set ylabel 'density'"))
        // Each sample's densities integrate to 1 over the common bins.
        let width = (5 + 15.0 / 16) / 40
        for name in ["positive", "negative"] {
            let densities = rows.dropFirst().map { $0.split(separator: "\t") }.filter { $0[0] == name }.map {
                Double($0[3])!
            }
            #expect(abs(densities.reduce(0, +) * width - 1) < 1e-6, "\(name)")
        }
    }

    @Test("a gnuplot error surfaces as our error with gnuplot's message and the script's path")
    func gnuplotError() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("bad.gp")
        try "set terminal pngcairo sise 10,10\nset output outfile\nplot sin(x)\n".write(
            to: script, atomically: true, encoding: .utf8)
        let exe = try #require(Gnuplot.executable())
        do {
            try Gnuplot.draw(script: script, outfile: "bad.png", executable: exe)
            Issue.record("gnuplot accepted a bad option")
        } catch let PlotError.gnuplotFailed(path, message) {
            #expect(path == script.path)
            #expect(message.contains("line 1"), "\(message)")
        }
        // A log axis over data with no positive value: gnuplot refuses, we say why.
        var figure = Samples.lines
        figure.content = .lines([Curve(name: "zero", y: [0, -1, 0])])
        #expect {
            try Plotter(directory: dir).plot(figure, name: "log")
        } throws: { error in
            guard case PlotError.gnuplotFailed(let path, let message) = error else { return false }
            return path.hasSuffix("log.gp") && message.contains("undefined")
        }
    }

    @Test("without gnuplot on PATH: the documented message, and the data is still written")
    func missingGnuplot() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plotter = Plotter(directory: dir, searchPath: "/nonexistent")
        #expect(throws: PlotError.gnuplotMissing(data: dir.appendingPathComponent("loss.tsv").path)) {
            try plotter.plot(Samples.lines, name: "loss")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("loss.tsv").path))
        #expect(PlotError.gnuplotMissing(data: "x.tsv").description.contains("apt-get install -y gnuplot-nox"))
    }

    @Test("a text preview from gnuplot's dumb terminal")
    func preview() throws {
        let text = try Plotter().preview(Samples.lines, columns: 70, rows: 20)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(text.contains("InfoNCE loss"))
        #expect(lines.filter { !$0.isEmpty }.count >= 15)
        #expect(lines.allSatisfy { $0.count <= 70 })
    }

    @Test("bad figures are refused before gnuplot runs")
    func refusals() throws {
        let plotter = Plotter(directory: try Self.scratch())
        #expect(throws: PlotError.badFigure("no data to plot")) {
            try plotter.plot(Figure(title: "x", content: .lines([])))
        }
        var tiny = Samples.lines
        tiny.width = 2
        #expect(throws: PlotError.self) { try plotter.plot(tiny) }
    }

    @Test("EMA smoothing is bias-corrected: a constant series stays constant")
    func smoothing() {
        let s = Curve(name: "c", y: [2, 2, 2]).smoothed(alpha: 0.9)
        #expect(s.y.allSatisfy { abs($0 - 2) < 1e-12 })
        #expect(Curve(name: "c", y: [0, 10]).smoothed(alpha: 0.5).y == [0, 10.0 * 0.5 / 0.75])
    }
}
