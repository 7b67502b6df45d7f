import Foundation
import MocoSupport

/// Draws figures into a folder (default `plots/`, created when missing): for each plot the
/// image, the gnuplot script that drew it (`NAME.gp`) and its data (`NAME.tsv`). Files are
/// named by an explicit name or a slug of the title; all writes are atomic.
public struct Plotter: Sendable {
    public var directory: URL
    /// The PATH searched for gnuplot (tests point it elsewhere).
    public var searchPath: String?

    public init(
        directory: URL = URL(fileURLWithPath: "plots"),
        searchPath: String? = ProcessInfo.processInfo.environment["PATH"]
    ) {
        (self.directory, self.searchPath) = (directory, searchPath)
    }

    /// The files of one plot, and what gnuplot warned about while drawing it.
    public struct Output: Sendable, Equatable {
        public let image: URL
        public let script: URL
        public let data: URL
        public var warnings: [String] = []
    }

    /// Refuses a file name that is not a plain name: empty, a folder, hidden, too long, or
    /// holding a control, separator or bidirectional character.
    public static func validate(name: String) throws {
        guard !name.isEmpty else { throw PlotError.badFigure("the file name is empty") }
        guard !name.contains("/"), name != ".", name != "..", !name.hasPrefix(".") else {
            throw PlotError.badFigure("the file name \(GnuplotScript.quote(name)) is not a plain file name")
        }
        guard name.utf8.count <= 200 else { throw PlotError.badFigure("the file name is longer than 200 bytes") }
        guard !name.unicodeScalars.contains(where: { VisibleText.needsEscape($0, keepLines: false) }) else {
            throw PlotError.badFigure("the file name \(GnuplotScript.quote(name)) holds control characters")
        }
    }

    /// Draws `figure` to `DIRECTORY/NAME.png` (or `.svg`, `.txt`), `NAME` being `name` or the
    /// title's slug (a name with an extension chooses the format).
    @discardableResult
    public func plot(_ figure: Figure, name: String? = nil, format: PlotFormat? = nil) throws -> Output {
        try validate(figure)
        let (files, chosen) = try outputs(for: figure, name: name, format: format)
        let (image, script, data) = (files.image, files.script, files.data)
        let base = image.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        } catch {
            throw PlotError.cannotWrite("cannot create the folder \(base.path): \(Self.why(base, error))")
        }
        try write(DataTable.tsv(figure), to: data)
        try write(GnuplotScript.render(figure, format: chosen, output: image.lastPathComponent), to: script)
        guard let exe = Gnuplot.executable(path: searchPath) else { throw PlotError.gnuplotMissing(data: data.path) }
        do {
            let warnings = try AtomicFile.replace(image) { temp in
                try Gnuplot.draw(script: script, outfile: temp.lastPathComponent, executable: exe)
            }
            return Output(image: image, script: script, data: data, warnings: warnings)
        } catch let e as FileWriteError {
            throw PlotError.cannotWrite("cannot write \(image.path): \(e.reason)")
        }
    }

    /// The files `plot(figure, name:, format:)` writes, and the format it draws, without drawing.
    public func outputs(for figure: Figure, name: String? = nil, format: PlotFormat? = nil) throws -> (
        Output, PlotFormat
    ) {
        if let name { try Self.validate(name: name) }
        var stem = name ?? Self.slug(figure.title)
        var chosen = format ?? .png
        if let ext = stem.split(separator: ".").last.map(String.init), stem.contains("."),
            let byExtension = PlotFormat.allCases.first(where: { $0.fileExtension == ext.lowercased() })
        {
            chosen = format ?? byExtension
            stem = stem.dropLastExtension
        }
        let image = directory.appendingPathComponent("\(stem).\(chosen.fileExtension)")
        let base = image.deletingLastPathComponent()
        let stemName = image.deletingPathExtension().lastPathComponent
        return (
            Output(
                image: image, script: base.appendingPathComponent("\(stemName).gp"),
                data: base.appendingPathComponent("\(stemName).tsv")),
            chosen
        )
    }

    /// A text drawing of `figure` by gnuplot's `dumb` terminal, `columns x rows` characters.
    public func preview(_ figure: Figure, columns: Int = 80, rows: Int = 24) throws -> String {
        try validate(figure)
        guard let exe = Gnuplot.executable(path: searchPath) else {
            throw PlotError.gnuplotMissing(data: "(no file: a preview)")
        }
        var small = figure
        (small.width, small.height) = (columns, rows)
        let script = GnuplotScript.render(small, format: .text, output: "preview.txt")
            .replacingOccurrences(of: "set output outfile\n", with: "").replacingOccurrences(
                of: "unset output\n", with: "")
        // The dumb terminal starts a page with a form feed and pads lines with spaces.
        let drawing = try Gnuplot.render(text: script, executable: exe).replacingOccurrences(of: "\u{0C}", with: "")
        let lines = drawing.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var l = line[...]
            while l.last == " " { l = l.dropLast() }
            return l
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
    }

    private func validate(_ figure: Figure) throws {
        guard figure.width >= 10, figure.height >= 5, figure.width <= 20_000, figure.height <= 20_000 else {
            throw PlotError.badFigure("the size \(figure.width)x\(figure.height) is out of range")
        }
        switch figure.content {
        case .lines(let s), .scatter(let s):
            guard !s.isEmpty, s.contains(where: { !$0.y.isEmpty }) else { throw PlotError.badFigure("no data to plot") }
        case .histogram(let samples, let bins):
            guard bins >= 1, samples.contains(where: { $0.values.contains(where: \.isFinite) }) else {
                throw PlotError.badFigure("a histogram needs finite values and at least one bin")
            }
        case .images(let grid):
            guard grid.rows >= 1, grid.columns >= 1, grid.channels == 1 || grid.channels == 3 else {
                throw PlotError.badFigure("an image grid needs at least one image of 1 or 3 channels")
            }
        case .heatmap(let map):
            guard map.rows >= 1, map.columns >= 1, map.values.contains(where: \.isFinite) else {
                throw PlotError.badFigure("a heatmap needs at least one row, one column and a finite value")
            }
        }
    }

    private func write(_ text: String, to url: URL) throws {
        do { try AtomicFile.write(text, to: url) } catch { throw PlotError.cannotWrite(error.description) }
    }

    /// Why `folder` could not be created, from its nearest existing ancestor.
    static func why(_ folder: URL, _ error: Error) -> String {
        var ancestor = folder
        while ancestor.path != "/" && !FileManager.default.fileExists(atPath: ancestor.path) {
            ancestor.deleteLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return "\(ancestor.path) is a file, not a folder"
        }
        if !FileManager.default.isWritableFile(atPath: ancestor.path) { return "\(ancestor.path) is not writable" }
        return error.localizedDescription
    }

    /// A file name from a title: lowercase letters and digits, other runs become one '-'.
    public static func slug(_ title: String) -> String {
        var out = ""
        for c in title.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) {
                out.append(c)
            } else if !out.hasSuffix("-") && !out.isEmpty {
                out.append("-")
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "plot" : String(out.prefix(80))
    }
}
