import Foundation
import MocoScript
import Testing

/// What a session needs to export: an interpreter in a fresh folder, collecting what it prints.
enum ExportHarness {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let notebooks = root.appendingPathComponent("notebooks")

    final class Lines { var all: [String] = [] }

    static func folder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func interpreter(in dir: URL) -> (Interpreter, Lines) {
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir.appendingPathComponent("plots")
        let lines = Lines()
        interpreter.output = { lines.all.append($0) }
        interpreter.progress = { _ in }
        interpreter.warn = { _ in }
        return (interpreter, lines)
    }

    /// Runs `file` (with `overrides`) as `moco export` does, up to its `call`-th train; returns the interpreter (its
    /// last run is the exported one) and the recipe read back from `out/recipe.json`.
    static func export(
        _ file: URL, to out: URL, call: Int = 1, overrides: [String: Value] = [:], in dir: URL
    ) throws -> (Interpreter, TorchRecipe) {
        let (interp, _) = interpreter(in: dir)
        interp.overrides = overrides
        let request = ExportRequest(directory: out, call: call)
        interp.exportRequest = request
        do { try interp.run(file: file) } catch is ExportFinished {}
        #expect(request.written != nil, "\(file.lastPathComponent) reached no train call \(call)")
        return (interp, try TorchRecipe.read(out.appendingPathComponent("recipe.json")))
    }
}

@Suite("Export to PyTorch: the recipe", .serialized)
struct TorchRecipeTests {
    /// Every shipped notebook's first train call: `export_torch` of the run writes the same recipe as `moco export`,
    /// its figures are the script's, and it re-encodes to the same bytes.
    @Test(
        "recipe.json of each shipped notebook round-trips and holds the script's values",
        arguments: ["quickstart", "finetune", "momentum", "own-data", "queue", "scale-out", "versions"])
    func shippedNotebooks(_ name: String) throws {
        let dir = try ExportHarness.folder("export-\(name)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("torch")
        let file = ExportHarness.notebooks.appendingPathComponent("\(name).moco")
        let shortened = try String(contentsOf: file, encoding: .utf8).contains("\nlet epochs = ")
        let (interp, recipe) = try ExportHarness.export(
            file, to: out, overrides: shortened ? ["epochs": .number(3)] : [:], in: dir)
        let run = try #require(interp.runs.last)
        // export_torch of the same run writes the same recipe.
        interp.exportRequest = nil
        interp.setGlobal("exported", .run(run))
        let again = dir.appendingPathComponent("again")
        _ = try interp.run("export_torch(exported, \(Value.quote(again.path)))", name: "again.moco")
        // Every file it wrote is reported (a notebook's manifest lists them), the copied digits too.
        let files = try FileManager.default.subpathsOfDirectory(atPath: again.path).filter {
            !FileAccess.isFolder(again.appendingPathComponent($0))
        }
        #expect(Set(files.map { again.appendingPathComponent($0).path }).isSubset(of: interp.writtenFiles))
        #expect(files.contains("data/digits.csv.gz") == (recipe.data.source == "digits"))
        #expect(
            try Data(contentsOf: again.appendingPathComponent("recipe.json"))
                == (try Data(contentsOf: out.appendingPathComponent("recipe.json"))))
        #expect(
            String(decoding: try recipe.encoded(), as: UTF8.self) + "\n"
                == (try String(contentsOf: out.appendingPathComponent("recipe.json"), encoding: .utf8)))
        // The script's own figures.
        let trainer = try #require(run.trainer)
        #expect(recipe.epochs == run.plannedEpochs && (!shortened || recipe.epochs == 3))
        #expect(recipe.batch == trainer.loader.batchSize)
        #expect(recipe.stepsPerEpoch == trainer.loader.batchesPerEpoch)
        #expect(recipe.model.queue == run.model.moco.queue?.capacity)
        #expect(recipe.model.temperature == run.model.moco.temperature)
        #expect(recipe.model.version == run.model.version && recipe.model.dim == run.model.dim)
        #expect(recipe.data.count == run.data?.count && recipe.data.classes == run.data?.classes)
        #expect(recipe.views.count == 2)
        #expect(recipe.schedule.momentum.count == recipe.epochs * recipe.stepsPerEpoch)
        #expect(recipe.schedule.momentum.first == recipe.model.momentum.first)
        #expect(recipe.monitor?.k == run.monitor?.k)
        for file in ["train.py", "requirements.txt", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path))
        }
    }

    @Test("a momentum or learning rate that is a script function is written as its value at every step")
    func closures() throws {
        let dir = try ExportHarness.folder("export-closure")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("closure.moco")
        try """
        let data = dataset("digits")
        fn rise(t) {
          print("called")
          return 0.9 + 0.09 * t * t
        }
        let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 256, momentum: rise)
        let run = train(model, data.train, views: preset("digits"), epochs: 3, batch: 128,
                        optimizer: sgd(lr: fn(t) { return 0.1 * (1 - t) }, momentum: 0.9))
        """.write(to: script, atomically: true, encoding: .utf8)
        let (interp, recipe) = try ExportHarness.export(script, to: dir.appendingPathComponent("out"), in: dir)
        _ = interp
        let steps = 1347 / 128
        #expect(recipe.stepsPerEpoch == steps)
        let total = 3 * steps
        // Progress t at each step as training reads it: (epoch + step / steps) / epochs.
        let t = (0..<total).map { s in (Double(s / steps) + Double(s % steps) / Double(steps)) / 3 }
        #expect(recipe.schedule.momentum == t.map { 0.9 + 0.09 * $0 * $0 })
        #expect(recipe.schedule.lr == t.map { 0.1 * (1 - $0) })
        #expect(recipe.lrUpdate == "step" && recipe.schedule.lrEpoch == nil)
    }

    @Test("subsets and splits record the positions they keep")
    func dataOrigins() throws {
        let dir = try ExportHarness.folder("export-origin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("origin.moco")
        try """
        let data = dataset("digits").subset(600)
        let part = data.test.split(test: 50)
        let model = moco(encoder: convnet([8]), dim: 8, queue: 64)
        let run = train(model, part.train, views: preset("digits"), epochs: 1, batch: 64,
                        monitor: knn(part.test, k: 5))
        """.write(to: script, atomically: true, encoding: .utf8)
        let (interp, recipe) = try ExportHarness.export(script, to: dir.appendingPathComponent("out"), in: dir)
        // The script's own images, read again by position from the digits' test part.
        let (check, lines) = ExportHarness.interpreter(in: dir)
        let train = try #require(recipe.data.indices)
        let test = try #require(recipe.monitor?.test.indices)
        try check.run(
            """
            let all = dataset("digits").test.images
            print(all.shape)
            """, name: "<check>")
        #expect(recipe.data.part == "test" && recipe.monitor?.test.part == "test")
        #expect(train.count == 400 && test.count == 50 && Set(train).isDisjoint(with: test))
        #expect(lines.all.first == "[450, 1, 8, 8]")
        #expect(interp.runs.last?.data?.count == 400)
    }

    @Test("a loaded run and a bad folder name are refused with the reason; --train past the last call writes nothing")
    func refusals() throws {
        let dir = try ExportHarness.folder("export-refusals")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (interp, _) = ExportHarness.interpreter(in: dir)
        try interp.run(
            """
            let data = dataset("digits")
            let model = moco(encoder: convnet([8]), dim: 8, queue: 64)
            let run = train(model, data.train, views: preset("digits"), epochs: 1, batch: 256, quiet: true)
            run.save("run.safetensors")
            """, name: "<train>")
        #expect(throws: ScriptError.self) {
            try interp.run(#"export_torch(load_run("run.safetensors"), "out")"#, name: "<export>")
        }
        do { try interp.run(#"export_torch(load_run("run.safetensors"), "out")"#, name: "<export>") } catch {
            #expect("\(error)".contains("read by load_run"), "\(error)")
        }
        // A folder name that is empty or holds control characters is refused as other writes' names are.
        let names = [(#""""#, "the folder name is empty"), (#""out\tx""#, #"the folder name "out\tx" holds control"#)]
        for (name, reason) in names {
            do {
                try interp.run("export_torch(run, \(name))", name: "<export>")
                Issue.record("accepted the folder name \(name)")
            } catch { #expect("\(error)".contains("export_torch: " + reason), "\(error)") }
        }
        let written = try interp.run(#"export_torch(run, "out")"#, name: "<export>")
        #expect(written.map { "\($0)" }?.contains("1 epochs of batch 256 on digits.train") == true)
        let script = dir.appendingPathComponent("one.moco")
        try """
        let data = dataset("digits")
        let run = train(moco(encoder: convnet([8]), dim: 8, queue: 64), data.train, views: preset("digits"))
        """.write(to: script, atomically: true, encoding: .utf8)
        let (other, _) = ExportHarness.interpreter(in: dir)
        let request = ExportRequest(directory: dir.appendingPathComponent("none"), call: 2)
        other.exportRequest = request
        try other.run(file: script)
        #expect(request.written == nil && request.seen == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("none").path))
    }

    @Test("load_log refuses a broken log with the file, the line and the reason")
    func logRefusals() throws {
        let dir = try ExportHarness.folder("export-log")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            ("{\"epoch\": 1, \"loss\": 2.5}\n{\"epoch\": 3, \"loss\": 2.4}\n", "line 2: epoch 3 where epoch 2"),
            ("{\"epoch\": 1, \"loss\": NaN}\n", "line 1: not a log row"),
            ("{\"epoch\": 1, \"knn\": 1.5}\n", "line 1: holds an accuracy outside [0, 1]"),
            ("{\"loss\": 1}\n", "line 1: not a log row (no epoch)"),
            ("", "holds no rows")
        ]
        for (text, reason) in cases {
            try text.write(to: dir.appendingPathComponent("log.jsonl"), atomically: true, encoding: .utf8)
            let (interp, _) = ExportHarness.interpreter(in: dir)
            do {
                try interp.run(#"load_log("log.jsonl")"#, name: "<log>")
                Issue.record("accepted \(text)")
            } catch {
                #expect("\(error)".contains("log.jsonl: \(reason)"), "\(error)")
            }
        }
        try "{\"epoch\": 1, \"loss\": 2.5, \"top1\": 0.1, \"knn\": null}\n{\"epoch\": 2, \"loss\": 2}\n".write(
            to: dir.appendingPathComponent("log.jsonl"), atomically: true, encoding: .utf8)
        let (interp, lines) = ExportHarness.interpreter(in: dir)
        try interp.run(#"let log = load_log("log.jsonl"); print(log.loss.values, log.top1.values)"#, name: "<log>")
        #expect(lines.all == ["[2.5, 2] [0.1]"])
    }
}
