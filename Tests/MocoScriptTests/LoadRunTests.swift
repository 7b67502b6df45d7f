import Foundation
import MocoNN
import MocoScript
import Testing

/// `load_run`: a run back from its checkpoint alone, in a session that never built it.
@Suite("load_run", .serialized)
struct LoadRunTests {
    final class Lines { var all: [String] = [] }

    /// An interpreter in `dir`, collecting what it prints.
    func interpreter(in dir: URL) -> (Interpreter, Lines) {
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir.appendingPathComponent("plots")
        let lines = Lines()
        interpreter.output = { lines.all.append($0) }
        interpreter.progress = { _ in }
        return (interpreter, lines)
    }

    /// A folder with `run.safetensors`: 2 epochs of MoCo v2 with a kNN monitor, diagnostics and a cosine momentum;
    /// returns what the training session printed about the run.
    func savedRun() throws -> (URL, [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-load-run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let (session, lines) = interpreter(in: dir)
        try session.run(
            """
            seed 3
            let digits = dataset("digits")
            let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4, momentum: cosine(0.9, 1))
            let run = train(model, digits.train, views: preset("digits"), epochs: 2, batch: 64, quiet: true,
                            monitor: knn(digits.test, k: 10), diagnostics: digits.test.subset(64))
            run.save("run.safetensors")
            print(run)
            print(run.loss.values, run.knn.values, run.rankme.values, run.steps, run.epoch, run.epochs)
            print(model.features(digits.test).norm, model.queue, model.momentum(0.5))
            """, name: "<train>")
        return (dir, lines.all)
    }

    @Test("the model, queue, histories and diagnostics come back; the model evaluates and trains on")
    func roundTrip() throws {
        let (dir, trained) = try savedRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (session, lines) = interpreter(in: dir)
        try session.run(
            """
            let digits = dataset("digits")
            let run = load_run("run.safetensors")
            let model = run.model
            print(run)
            print(run.loss.values, run.knn.values, run.rankme.values, run.steps, run.epoch, run.epochs)
            print(model.features(digits.test).norm, model.queue, model.momentum(0.5))
            print(run.data, run.interrupted)
            let more = train(model, digits.train, views: preset("digits"), epochs: 1, batch: 64, quiet: true)
            print(more.epoch, more.loss.values[0] > 0)
            """, name: "<load>")
        #expect(trained.count == 3 && lines.all.count == 5)
        guard trained.count == 3, lines.all.count == 5 else { return }
        #expect(lines.all[0] == trained[0].replacingOccurrences(of: "\n", with: " (read from run.safetensors)\n"))
        #expect(Array(lines.all[1...2]) == Array(trained[1...2]))
        #expect(Array(lines.all[3...]) == ["nil false", "1 true"])
    }

    @Test("a momentum function is recorded at the recipe's points without printing, and comes back as those values")
    func momentumFunction() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-load-run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (session, lines) = interpreter(in: dir)
        try session.run(
            """
            seed 2
            let digits = dataset("digits")
            let m = fn(t) {
              print("momentum asked")
              return 0.9 + 0.1 * t * t
            }
            let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4, momentum: m)
            let run = train(model, digits.train, views: preset("digits"), epochs: 1, batch: 128, quiet: true)
            """, name: "<train>")
        let printedByTraining = lines.all.count
        try session.run(
            """
            run.save("m.safetensors")
            let back = load_run("m.safetensors").model.momentum
            print(back(0), back(0.5), back(1), back(0.25) == m(0.25))
            """, name: "<save>")
        #expect(Array(lines.all[printedByTraining...]) == ["momentum asked", "0.9 0.925 1 true"])
    }

    @Test("a run from load_run is not resumed, saved or loaded into: the refusal says what to do instead")
    func refusals() throws {
        let (dir, _) = try savedRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (session, _) = interpreter(in: dir)
        try session.run(#"let run = load_run("run.safetensors")"#, name: "<load>")
        for call in ["run.resume()", #"run.save("again.safetensors")"#, #"run.load("run.safetensors")"#] {
            do {
                try session.run(call, name: "<call>")
                Issue.record("\(call) was accepted")
            } catch let e as ScriptError {
                let method = call.prefix { $0 != "(" }
                #expect(
                    "\(e)".contains(
                        "\(method): this run was read by load_run from run.safetensors, without its data and optimizer"),
                    "\(e)")
                #expect("\(e)".contains(#"call run.load("run.safetensors")"#), "\(e)")
            }
        }
    }

    @Test("a checkpoint without a model recipe, with a broken one, or one that does not fit its weights is refused")
    func badRecipes() throws {
        let (dir, _) = try savedRun()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("run.safetensors")
        let (state, metadata) = try SafeTensors.read(url)
        let recipe = metadata["model"]!
        let cases: [(String?, String)] = [
            (nil, "records no model recipe (a checkpoint from an older moco)"),
            ("{", "the model recipe does not decode"),
            (recipe.replacingOccurrences(of: #""version":2"#, with: #""version":7"#), "records version 7"),
            (
                recipe.replacingOccurrences(of: #""architecture":"convnet""#, with: #""architecture":"vgg""#),
                #"records an unknown encoder "vgg""#
            ),
            (recipe.replacingOccurrences(of: #""queue":128"#, with: #""queue":64"#), "the model's queue holds 64"),
            (
                recipe.replacingOccurrences(of: #""channels":[8,16]"#, with: #""channels":[8,32]"#),
                "query.*: body.3.weight"
            )
        ]
        let (session, _) = interpreter(in: dir)
        for (model, reason) in cases {
            var changed = metadata.filter { $0.key != SafeTensors.checksumKey }
            changed["model"] = model
            try SafeTensors.write(state, metadata: changed, checksum: true, to: dir.appendingPathComponent("bad.st"))
            do {
                try session.run(#"load_run("bad.st")"#, name: "<bad>")
                Issue.record("a checkpoint was accepted: \(reason)")
            } catch let e as ScriptError {
                #expect("\(e)".contains("load_run: bad.st") && "\(e)".contains(reason), "\(e)")
            }
        }
    }

    @Test("the online classifier is in the checkpoint: run.load then resume equals a straight run; load_run shows it")
    func onlineClassifier() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-load-run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let setup = """
            seed 1
            let digits = dataset("digits")
            let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4)

            """
        let (straight, a) = interpreter(in: dir)
        try straight.run(
            setup + """
                let run = train(model, digits.train, views: preset("digits"), epochs: 2, batch: 64, quiet: true,
                                online: true)
                run.save("two.safetensors")
                print(run.online.values)
                run.resume(epochs: 1, quiet: true)
                print(run.online.values)
                """, name: "<straight>")
        let (resumed, b) = interpreter(in: dir)
        try resumed.run(
            setup + """
                let run = train(model, digits.train, views: preset("digits"), epochs: 0, batch: 64, quiet: true,
                                online: true)
                run.load("two.safetensors")
                run.resume(epochs: 1, quiet: true)
                print(run.online.values)
                print(load_run("two.safetensors").online.values)
                """, name: "<resumed>")
        #expect(a.all.count == 2 && b.all == [a.all[1], a.all[0]])
        #expect(a.all.first?.split(separator: ",").count == 2)
    }
}
