import Foundation
import Moco
import MocoData
import MocoPlot
import MocoTSNE
import MocoTensor

/// One plot a session wrote: what it shows and its files.
public struct PlotRecord {
    public let figure: Figure
    public let files: Plotter.Output
}

/// Plots (drawn by gnuplot into `plots/`) and t-SNE.
enum PlotBuiltins {
    /// Parameters every plotting builtin shares.
    static let common: [Param] = [
        .optional("title"), .optional("file"), .optional("format"), .optional("xlabel"), .optional("ylabel"),
        .optional("log_y", .bool(false)), .optional("width"), .optional("height")
    ]

    static let all: [Builtin] = [
        Builtin(
            "plot", [.optional("names"), .optional("smooth"), .optional("steps", .number(200))] + common,
            variadic: true,
            doc: Doc(
                """
                Draws curves with gnuplot into `plots/` (PNG, 800x500 pixels unless `width`/`height` or a notebook cell's \
                `fig-width`/`fig-height` say otherwise; `format: \"svg\"`, or a `file:` ending in .svg) with the data \
                beside it as .tsv and the script as .gp, and returns the image's path. Each argument is a series \
                (`run.loss`, `run.knn`), a run (its loss), a schedule or function of t (sampled at `steps` points), a list \
                of numbers, or a list of these (overlays, sweeps); a t-SNE embedding draws a scatter coloured by class; a \
                classifier draws its confusion matrix on its test images as a heatmap labelled with the class names, a \
                tensor [rows, columns] its values. \
                `names:` relabels the curves, `smooth: 0.9` adds an EMA over faint raw curves, `log_y: true` a log axis.
                """,
                example: #"plot(run.loss, smooth: 0.9, title: "InfoNCE loss")"#)
        ) { args in
            try draw(args, figure: try lineFigure(args))
        },
        Builtin(
            "histogram", [.optional("names"), .optional("bins", .number(40))] + common, variadic: true,
            doc: Doc(
                """
                Draws overlaid histograms over common bins (series, tensors or lists of numbers), like `plot`: positive vs \
                negative logits, feature norms. One sample shows counts; several show densities, so a small sample stays \
                visible beside a large one. The data file beside the plot holds the bins (counts and densities).
                """,
                example: #"histogram(run.positive, run.negative, bins: 30, title: "logits")"#)
        ) { args in
            let names = try nameList(args)
            var samples: [Sample] = []
            for (k, v) in args.rest.enumerated() {
                let values: [Double]
                var name = "values \(k + 1)"
                switch v {
                case .series(let s): (values, name) = (s.y, s.name)
                case .tensor(let t): values = t.scalars.map(Double.init)
                case .list(let l):
                    values = try l.map { item in
                        guard case .number(let x) = item else {
                            throw args.error("a histogram's list must hold numbers, got \(item.typeName)")
                        }
                        return x
                    }
                default:
                    throw args.error(
                        "cannot draw a histogram of \(v.typeName); give series, tensors or lists of numbers")
                }
                samples.append(Sample(name: k < names.count ? names[k] : name, values: values))
            }
            guard !samples.isEmpty else { throw args.error("give at least one series, tensor or list") }
            let title = try args.optionalString("title") ?? (samples.count == 1 ? samples[0].name : "histogram")
            return try draw(
                args,
                figure: try figure(
                    args, title: title, yLabel: samples.count > 1 ? "density" : "count",
                    content: .histogram(samples, bins: try args.size("bins", max: Limits.maxBins))))
        },
        Builtin(
            "gallery",
            [.required("data"), .required("views"), .optional("samples", .number(8)), .optional("count", .number(6))]
                + common,
            doc: Doc(
                """
                The augmentation gallery: `samples` images of `data` (the first ones), each as it is and in `count` \
                augmented views drawn by `views` (one pipeline, or a list whose pipelines take turns), as one image grid.
                """,
                example: #"gallery(data.train, preset("v2"), samples: 8, count: 6)"#)
        ) { args in
            let data = try args.images("data").labeled
            let pipelines: [any Augmentation]
            switch try args["views"] {
            case .pipeline(let p): pipelines = [p.pipeline]
            case .list(let l) where !l.isEmpty:
                pipelines = try l.map {
                    guard case .pipeline(let p) = $0 else {
                        throw args.typeError("views", expected: "an augmentation or a list of them", got: $0)
                    }
                    return p.pipeline
                }
            default:
                throw args.typeError("views", expected: "an augmentation or a list of them", got: try args["views"])
            }
            let samples = min(try args.size("samples", max: Limits.maxGalleryCells), data.count)
            let count = try args.size("count", max: Limits.maxGalleryCells)
            var rng = args.interpreter.nextGenerator("gallery")
            var cells: [[Float]] = []
            var shape = (channels: 1, height: 1, width: 1)
            for i in 0..<samples {
                let original = Image(data.images, index: i)
                shape = (original.channels, original.height, original.width)
                cells.append(original.pixels)
                for v in 0..<count {
                    var view = original
                    pipelines[v % pipelines.count].apply(&view, using: &rng)
                    guard view.channels == shape.channels, view.height == shape.height, view.width == shape.width else {
                        throw args.error(
                            "the views must keep the image size \(shape.height)x\(shape.width) (got \(view.height)x\(view.width)); crop to the same size"
                        )
                    }
                    cells.append(view.pixels)
                }
            }
            let grid = ImageGrid(
                rows: samples, columns: count + 1, channels: shape.channels, imageHeight: shape.height,
                imageWidth: shape.width,
                pixels: displayable(cells),
                rowLabels: (0..<samples).map { data.classes.isEmpty ? "#\($0)" : data.classes[data.labels[$0]] },
                columnLabels: ["original"] + (1...count).map { "view \($0)" })
            var f = try figure(
                args, title: try args.optionalString("title") ?? "augmentations", yLabel: "", content: .images(grid))
            if try args.isNil("width") && args.isNil("height") {
                // Cells of about 64 pixels, whatever the image size.
                (f.width, f.height) = (min(2_000, 100 + 64 * (count + 1)), min(2_000, 80 + 64 * samples))
            }
            return try draw(args, figure: f)
        },
        Builtin(
            "tsne",
            [
                .required("x"), .optional("data"), .optional("source", .string("backbone")), .optional("labels"),
                .optional("perplexity", .number(30)), .optional("iterations", .number(1000)),
                .optional("theta", .number(0.5)), .optional("method", .string("auto")),
                .optional("quiet", .bool(false)), .optional("transform")
            ],
            doc: Doc(
                """
                A 2-D t-SNE embedding (repulsion by Barnes-Hut below 7,500 points and by FFT-accelerated \
                interpolation, FIt-SNE, from there on; `method: "bh"`, `"fft"` or `"exact"` chooses; \
                PCA initialisation, early exaggeration 12 for 250 iterations, \
                perplexity-calibrated affinities): of a model's features of `data` (`tsne(model, data.test)`), of raw \
                images (`tsne(data.test)`), or of a tensor `[N, D]` with optional `labels`. `plot(e)` draws it coloured by \
                class; `e.kl` is the final KL divergence.
                """,
                example: #"plot(tsne(model, data.test), title: "t-SNE after training")"#)
        ) { args in
            try tsne(args)
        }
    ]

    // MARK: Figures

    static func nameList(_ args: Arguments) throws -> [String] {
        switch try args["names"] {
        case .nil: return []
        case .list(let l):
            return try l.map {
                guard case .string(let s) = $0 else {
                    throw args.typeError("names", expected: "a list of strings", got: $0)
                }
                return s
            }
        default: throw args.typeError("names", expected: "a list of strings", got: try args["names"])
        }
    }

    static func figure(_ args: Arguments, title: String, yLabel: String, xLabel: String = "", content: Figure.Content)
        throws -> Figure
    {
        Figure(
            title: title, xLabel: try args.optionalString("xlabel") ?? xLabel,
            yLabel: try args.optionalString("ylabel") ?? yLabel,
            logY: try args.bool("log_y"), content: content,
            width: (try args.isNil("width"))
                ? args.interpreter.plotSize.width : try args.size("width", min: 10, max: 20_000),
            height: (try args.isNil("height"))
                ? args.interpreter.plotSize.height : try args.size("height", min: 5, max: 20_000))
    }

    /// The curves (or the scatter of an embedding) of `plot(...)`.
    static func lineFigure(_ args: Arguments) throws -> Figure {
        let names = try nameList(args)
        let steps = try args.size("steps", max: Limits.maxPlotSteps)
        var curves: [(Curve, xLabel: String)] = []
        var embeddings: [EmbeddingValue] = []
        var heatmaps: [(Heatmap, title: String)] = []
        func add(_ v: Value) throws {
            switch v {
            case .series(let s): curves.append((Curve(name: s.name, x: s.x, y: s.y), s.xLabel))
            case .run(let r): try add(.series(r.stepSeries("loss") { $0.loss }))
            case .schedule, .function, .builtin, .method:
                let s = try args.interpreter.schedule(from: v, what: "plot", at: args.loc)
                let t = (0...steps).map { Double($0) / Double(steps) }
                curves.append((Curve(name: s.name, x: t, y: try t.map(s.function)), "t"))
            case .list(let items)
            where items.allSatisfy({ if case .number = $0 { return true } else { return false } }) && !items.isEmpty:
                curves.append(
                    (
                        Curve(
                            name: "values",
                            y: items.map { if case .number(let x) = $0 { return x } else { return .nan } }), "index"
                    ))
            case .list(let items): for item in items { try add(item) }
            case .embedding(let e): embeddings.append(e)
            case .classifier(let c): heatmaps.append(try confusionHeatmap(c, args))
            case .tensor(let t) where t.rank == 2:
                let labels = { (n: Int) in (0..<n).map(String.init) }
                heatmaps.append(
                    (
                        Heatmap(
                            values: t.scalars.map(Double.init), rowLabels: labels(t.shape[0]),
                            columnLabels: labels(t.shape[1])),
                        "matrix"
                    ))
            default:
                throw args.error(
                    "cannot plot \(v.typeName); give series, runs, schedules, functions of t, lists of numbers, t-SNE embeddings, a classifier (its confusion matrix) or a tensor [rows, columns]"
                )
            }
        }
        for v in args.rest { try add(v) }
        if !heatmaps.isEmpty {
            guard curves.isEmpty, embeddings.isEmpty, heatmaps.count == 1 else {
                throw args.error("plot one matrix (a classifier's confusion or a tensor) at a time, without curves")
            }
            let (map, title) = heatmaps[0]
            let side = max(360, min(900, 60 * max(map.rows, map.columns) + 200))
            var f = try figure(
                args, title: try args.optionalString("title") ?? title,
                yLabel: title.hasPrefix("Confusion") ? "true class" : "row",
                xLabel: title.hasPrefix("Confusion") ? "predicted class" : "column", content: .heatmap(map))
            if try args.isNil("width") && args.isNil("height") { (f.width, f.height) = (side, side) }
            return f
        }
        if !embeddings.isEmpty {
            guard curves.isEmpty, embeddings.count == 1 else {
                throw args.error("plot one t-SNE embedding at a time, without curves")
            }
            let e = embeddings[0]
            return try figure(
                args, title: try args.optionalString("title") ?? "t-SNE of \(e.source)", yLabel: "",
                content: .scatter(scatter(e)),
                overrideSize: true)
        }
        guard !curves.isEmpty else {
            throw args.error("nothing to plot; give a series (run.loss), a schedule, or a list of numbers")
        }
        for k in curves.indices where k < names.count { curves[k].0.name = names[k] }
        var drawn: [Curve] = []
        if case .number(let alpha) = try args["smooth"] {
            guard alpha >= 0 && alpha < 1 else {
                throw args.error("'smooth' must be in [0, 1), got \(Value.format(alpha))")
            }
            for (c, _) in curves {
                var raw = c
                raw.faint = true
                drawn += [raw, c.smoothed(alpha: alpha)]
            }
        } else if !(try args.isNil("smooth")) {
            throw args.typeError("smooth", expected: "a number in [0, 1)", got: try args["smooth"])
        } else {
            drawn = curves.map(\.0)
        }
        let xLabels = Set(curves.map(\.xLabel))
        let title = try args.optionalString("title") ?? (curves.count == 1 ? curves[0].0.name : "plot")
        // Overlaid curves are labelled by their names when these fit on the axis.
        let joined = curves.map(\.0.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            .joined(separator: ", ")
        return try figure(
            args, title: title, yLabel: joined.count <= 40 ? joined : "value",
            xLabel: xLabels.count == 1 ? xLabels.first! : "",
            content: .lines(drawn))
    }

    static func figure(_ args: Arguments, title: String, yLabel: String, content: Figure.Content, overrideSize: Bool)
        throws -> Figure
    {
        var f = try figure(args, title: title, yLabel: yLabel, content: content)
        if try overrideSize && args.isNil("width") && args.isNil("height") { (f.width, f.height) = (760, 640) }
        return f
    }

    /// A classifier's confusion matrix on its test images, labelled with the class names.
    static func confusionHeatmap(_ c: ClassifierValue, _ args: Arguments) throws -> (Heatmap, title: String) {
        guard let report = c.report, let test = c.test else {
            throw args.error(
                "this classifier has no test images to draw a confusion matrix of (give finetune(test: ...))")
        }
        let names = c.classifier.classes
        return (
            Heatmap(values: report.confusion.flatMap { $0.map(Double.init) }, rowLabels: names, columnLabels: names),
            "Confusion matrix on \(test.name)"
        )
    }

    /// One point cloud per class (named by the class), or one for unlabelled points.
    static func scatter(_ e: EmbeddingValue) -> [Curve] {
        guard let labels = e.labels else {
            return [
                Curve(
                    name: "points", x: stride(from: 0, to: 2 * e.count, by: 2).map { e.points[$0] },
                    y: stride(from: 1, to: 2 * e.count, by: 2).map { e.points[$0] })
            ]
        }
        return Set(labels).sorted().map { c in
            let members = labels.indices.filter { labels[$0] == c }
            return Curve(
                name: c < e.classes.count ? e.classes[c] : String(c), x: members.map { e.points[2 * $0] },
                y: members.map { e.points[2 * $0 + 1] })
        }
    }

    /// Images in [0, 1] as they are; otherwise (normalised data) each rescaled to its own range.
    static func displayable(_ cells: [[Float]]) -> [[Float]] {
        guard cells.contains(where: { $0.contains { $0 < 0 || $0 > 1 } }) else { return cells }
        return cells.map { p in
            let lo = p.min() ?? 0
            let hi = p.max() ?? 1
            return p.map { hi > lo ? ($0 - lo) / (hi - lo) : 0.5 }
        }
    }

    /// Writes the figure with the session's plotter and records it.
    static func draw(_ args: Arguments, figure: Figure) throws -> Value {
        let interp = args.interpreter
        let format: PlotFormat?
        switch try args.optionalString("format") {
        case nil: format = nil
        case let s?:
            guard let f = PlotFormat(rawValue: s.lowercased()) ?? (s.lowercased() == "txt" ? .text : nil) else {
                throw args.error("'format' must be \"png\", \"svg\" or \"text\", got \(Value.quote(s))")
            }
            format = f
        }
        var directory = interp.plotDirectory
        var name = try args.optionalString("file")
        if let file = name, file.contains("/") {
            let url = interp.resolveWritePath(file)
            (directory, name) = (url.deletingLastPathComponent(), url.lastPathComponent)
        }
        if interp.uniquePlotFiles {
            let stem = (name ?? Plotter.slug(figure.title)).split(separator: ".").first.map(String.init) ?? "plot"
            let used = Set(interp.plots.map { $0.files.image.deletingPathExtension().lastPathComponent })
                .union(interp.reservedPlotNames)
            var candidate = stem
            var n = 1
            while used.contains(candidate) {
                n += 1
                candidate = "\(stem)-\(n)"
            }
            let ext = name.flatMap { $0.contains(".") ? "." + $0.split(separator: ".").last! : nil } ?? ""
            name = candidate + ext
        }
        do {
            let plotter = Plotter(directory: directory)
            let (files, _) = try plotter.outputs(for: figure, name: name, format: format)
            for url in [files.image, files.script, files.data] {
                _ = try interp.writableURL(url.path, kind: .plot(url), builtin: args.builtin.name, at: args.loc)
            }
            let out = try plotter.plot(figure, name: name, format: format)
            for w in out.warnings { interp.warn("\(args.builtin.name): gnuplot: \(w)") }
            let record = PlotRecord(figure: figure, files: out)
            interp.plots.append(record)
            interp.writtenFiles.append(out.image.path)
            interp.onPlot?(record)
            return .string(SourceFiles.displayPath(out.image))
        } catch let e as PlotError {
            throw ScriptError(.io, "\(args.builtin.name): \(e.description)", at: args.loc)
        }
    }

    // MARK: t-SNE

    static func tsne(_ args: Arguments) throws -> Value {
        let interp = args.interpreter
        var points: [Float]
        var n: Int
        var d: Int
        var labels: [Int]?
        var classes: [String] = []
        var source: String
        switch (try args["x"], try args["data"]) {
        case (.model(let m), .data):
            let data = try args.images("data")
            let images = try m.evaluationImages(data.labeled.images, try TrainingBuiltins.evaluation(args))
            let f = try m.features(images, source: try TrainingBuiltins.source(args))
            (points, n, d) = (f.scalars, f.shape[0], f.shape[1])
            (labels, classes, source) = (
                data.labeled.labels, data.labeled.classes, "\(data.name), \(try args.string("source")) features"
            )
        case (.model, _):
            throw args.error("with a model, give the images to embed: tsne(model, data.test)")
        case (.data, .nil):
            let data = try args.images("x")
            let images = data.labeled.images
            (points, n, d) = (images.scalars, images.shape[0], images.count / max(1, images.shape[0]))
            (labels, classes, source) = (data.labeled.labels, data.labeled.classes, "\(data.name), pixels")
        case (.tensor(let t), .nil):
            guard t.rank == 2 else { throw args.error("'x' must be a tensor [N, D], got shape \(t.shape)") }
            (points, n, d) = (t.scalars, t.shape[0], t.shape[1])
            source = "a tensor [\(n), \(d)]"
        default:
            throw args.typeError("x", expected: "a model (with data), images, or a tensor [N, D]", got: try args["x"])
        }
        if !(try args.isNil("labels")) {
            let given = try args.ints("labels", min: 0, max: Limits.maxSize)
            guard given.count == n else {
                throw args.error("'labels' must hold \(n) whole numbers >= 0, got \(given.count)")
            }
            labels = given
            classes = []
        }
        var settings = TSNE()
        settings.perplexity = try args.number("perplexity")
        settings.iterations = try args.size("iterations", max: 1_000_000)
        settings.exaggerationIterations = min(250, settings.iterations / 4)
        settings.theta = try args.number("theta")
        switch try args.string("method") {
        case "auto": settings.method = .automatic
        case "bh": settings.method = .barnesHut
        case "fft": settings.method = .interpolation
        case "exact": settings.method = .exact
        case let s:
            throw args.error("'method' must be \"auto\", \"bh\", \"fft\" or \"exact\", got \(Value.quote(s))")
        }
        let quiet = try args.bool("quiet")
        if case .embedding(let points, let divergence)? = interp.memo?.recall("tsne"), points.count == 2 * n {
            return .embedding(
                EmbeddingValue(
                    points: points, count: n, divergence: divergence, labels: labels, classes: classes, source: source))
        }
        let start = Date()
        var interrupted = false
        do {
            let result = try settings.embed(points, count: n, dimension: d) { iteration in
                if interp.takeInterrupt() {
                    interrupted = true
                    return false
                }
                if !quiet && iteration % 250 == 0 {
                    interp.progress(
                        String(
                            format: "t-SNE: %d points, iteration %d/%d, %.1f s", n, iteration, settings.iterations,
                            Date().timeIntervalSince(start)))
                }
                return true
            }
            if interrupted { throw ScriptError(.runtime, "tsne: interrupted", at: args.loc) }
            interp.memo?.record("tsne", .embedding(points: result.embedding, divergence: result.divergence))
            return .embedding(
                EmbeddingValue(
                    points: result.embedding, count: n, divergence: result.divergence, labels: labels,
                    classes: classes, source: source))
        } catch let e as TSNE.Failure {
            throw args.error(e.description)
        }
    }
}
