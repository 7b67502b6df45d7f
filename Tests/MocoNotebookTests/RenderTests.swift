import Foundation
import MocoNotebook
import MocoTensor
import MocoTestSupport
import Testing

@Suite("Rendering notebooks", .serialized)
struct RenderTests {
    static let notebooks = Bundle.module.url(forResource: "Notebooks", withExtension: nil)!
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func render(_ name: String, into dir: URL, formats: [Renderer.Format] = [.html, .md, .ipynb]) throws
        -> Renderer.Result
    {
        var renderer = Renderer()
        renderer.outputDirectory = dir
        renderer.formats = formats
        renderer.progress = { _ in }
        return try renderer.steadyRender(notebooks.appendingPathComponent(name))
    }

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("rendering twice gives the same bytes; the Markdown matches the golden file")
    func reproducible() throws {
        let a = try Self.scratch()
        let b = try Self.scratch()
        defer {
            try? FileManager.default.removeItem(at: a)
            try? FileManager.default.removeItem(at: b)
        }
        let first = try Self.render("small.moco", into: a)
        let second = try Self.render("small.moco", into: b)
        #expect(first.status == 0 && second.status == 0)
        for (x, y) in zip(first.reports, second.reports) {
            #expect(try Data(contentsOf: x) == Data(contentsOf: y), "\(x.lastPathComponent) differs between renders")
        }
        let plots = try FileManager.default.contentsOfDirectory(atPath: a.appendingPathComponent("small_files").path)
            .filter { $0.hasSuffix(".png") }
        #expect(plots.sorted() == ["three-values-2.png", "three-values.png"])
        // fig-width and fig-height size the cell's plots: the PNG header says 320 x 200.
        let png = try Data(contentsOf: a.appendingPathComponent("small_files/three-values.png"))
        #expect(png.count > 24 && png[16..<24].reduce(0) { $0 << 8 | Int($1) } == 320 << 32 | 200)
        let html = try String(contentsOf: a.appendingPathComponent("small.html"), encoding: .utf8)
        #expect(html.contains("<section class=\"cell code\" id=\"numbers\">"))
        // The thread count and the kernels are the machine's: the golden file says N and ARITHMETIC.
        let md = try String(contentsOf: a.appendingPathComponent("small.md"), encoding: .utf8)
            .replacingOccurrences(of: " · \(Arithmetic.kernels)*", with: " · ARITHMETIC*")
            .replacingOccurrences(of: #"· [0-9]+ threads? ·"#, with: "· N threads ·", options: .regularExpression)
        let golden = Self.here.appendingPathComponent("Golden/small.md")
        Golden.expect(md, matches: golden)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: first.manifest)) as! [String: Any]
        #expect(
            manifest["seconds"] is Double
                && (manifest["versions"] as? [String: String])?["gnuplot"]?.hasPrefix("gnuplot 5") == true)
        // The manifest names the arithmetic as the library reports it.
        #expect(manifest["arithmetic"] as? [String: String] == Arithmetic.facts)
    }

    @Test("training's per-epoch lines go into the reports, collapsed and without timings, and come back from the cache")
    func trainingLog() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("log.moco")
        try """
        # %% train
        seed 0
        let digits = dataset("digits")
        let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4)
        let run = train(model, digits.train, views: preset("digits"), epochs: 2, batch: 128)
        let c = finetune(model, digits, labels: 0.1, epochs: 1, batch: 64)

        """.write(to: file, atomically: true, encoding: .utf8)
        var renderer = Renderer()
        renderer.formats = [.html, .md, .ipynb]
        renderer.progress = { _ in }
        func reports() throws -> [String] {
            try ["html", "md", "ipynb"].map {
                try String(contentsOf: dir.appendingPathComponent("log.\($0)"), encoding: .utf8)
            }
        }
        let first = try renderer.steadyRender(file)
        let rendered = try reports()
        let md = rendered[1]
        #expect(first.ran == 1)
        // Consecutive training lines make one log: here 2 epochs of train, then 1 of finetune.
        #expect(md.contains("<details><summary>training log (3 lines)</summary>"), "\(md)")
        #expect(md.contains("epoch 1/2  loss ") && md.contains("finetune epoch 1/1  loss "))
        #expect(!rendered.contains { $0.contains("img/s") })
        #expect(rendered[0].contains("<details class=\"log\"><summary>training log (3 lines)</summary>"))
        #expect(rendered[2].contains(#""name" : "stderr""#))
        let second = try renderer.steadyRender(file)
        #expect(second.cached == 1 && second.ran == 0)
        #expect(try reports() == rendered)
    }

    @Test("a relative path is written into the output folder, and a later cell reads it back from there")
    func savesIntoTheOutputFolder() throws {
        let source = try Self.scratch()
        let out = try Self.scratch()
        defer {
            try? FileManager.default.removeItem(at: source)
            try? FileManager.default.removeItem(at: out)
        }
        let notebook = source.appendingPathComponent("saving.moco")
        try """
        # %% save
        save(tensor([1, 2, 3]), "numbers.safetensors")
        # %% load
        print(load("numbers.safetensors").tensor.sum)
        """.write(to: notebook, atomically: true, encoding: .utf8)
        var renderer = Renderer()
        renderer.outputDirectory = out
        renderer.formats = [.md]
        renderer.progress = { _ in }
        let result = try renderer.steadyRender(notebook)
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("numbers.safetensors").path))
        #expect(!FileManager.default.fileExists(atPath: source.appendingPathComponent("numbers.safetensors").path))
        let md = try String(contentsOf: result.reports[0], encoding: .utf8)
        #expect(md.contains("```text\n6\n```"), "\(md)")
    }

    @Test("an error stops the notebook, shows in its cell, and sets the exit status")
    func failing() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Self.render("failing.moco", into: dir, formats: [.md, .html])
        #expect(result.status == 70)
        let md = try String(contentsOf: dir.appendingPathComponent("failing.md"), encoding: .utf8)
        #expect(md.contains("failing.moco:6:9: error: index 4 is out of range for a list of 1 item"), "\(md)")
        #expect(md.contains("before") && !md.contains("```text\nnever"))
        let html = try String(contentsOf: dir.appendingPathComponent("failing.html"), encoding: .utf8)
        #expect(html.contains("<pre class=\"error\">"))
    }

    static let hasJSONSchema =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        && system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") == 0
    static let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        "the .ipynb validates against the nbformat 4.5 schema",
        .enabled(if: hasJSONSchema, "python3-jsonschema is not installed (scripts/setup installs it)"))
    func ipynbSchema() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.render("small.moco", into: dir, formats: [.ipynb])
        let schema = Self.here.appendingPathComponent("Schema/nbformat.v4.5.schema.json").path
        let notebook = dir.appendingPathComponent("small.ipynb").path
        let check =
            "import json, jsonschema; jsonschema.validate(json.load(open('\(notebook)')), json.load(open('\(schema)')))"
        #expect(system("/usr/bin/python3 -c \"\(check)\"") == 0, "small.ipynb does not validate")
        let nb =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: notebook))) as! [String: Any]
        let cells = nb["cells"] as! [[String: Any]]
        let outputs = cells.compactMap { $0["outputs"] as? [[String: Any]] }.flatMap { $0 }
        #expect(outputs.contains { ($0["data"] as? [String: Any])?["image/png"] != nil })
        #expect(Set(cells.compactMap { $0["id"] as? String }).count == cells.count)
        #expect(cells.contains { $0["id"] as? String == "numbers" })
    }

    @Test(
        "the HTML report loads in headless Chromium without console errors, and shows its plots",
        .enabled(if: browser != nil, "Chromium is not installed (optional: scripts/setup tries Debian's chromium)"))
    func chromium() throws {
        let browser = try #require(Self.browser)
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.render("small.moco", into: dir, formats: [.html])
        let html = dir.appendingPathComponent("small.html")
        let shot = dir.appendingPathComponent("shot.png")
        let log = dir.appendingPathComponent("console.log")
        let command =
            "'\(browser)' --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=800,1400 "
            + "--enable-logging=stderr --v=0 --screenshot='\(shot.path)' 'file://\(html.path)' >/dev/null 2>'\(log.path)'"
        _ = system(command)
        let console = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!console.contains("CONSOLE") && !console.contains("Uncaught"), "\(console)")
        let png = try Data(contentsOf: shot)
        #expect(png.count > 10_000, "the screenshot is nearly empty")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(
            text.components(separatedBy: "<img ").count - 1 == 2 && !text.contains("src=\"http")
                && !text.contains("<link"))
    }
}
