import Foundation
import MocoNN
import MocoScript
import Testing

/// Fine-tuning from scripts: weights out and back in, a classifier's members and file, interruption and resumption.
@Suite("Fine-tuning from scripts", .serialized)
struct FineTuneScriptTests {
    /// An interpreter in a fresh temporary folder, collecting what it prints.
    func session() throws -> (Interpreter, URL, () -> [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-finetune-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir.appendingPathComponent("plots")
        let printed = Box()
        interpreter.output = { printed.lines.append($0) }
        interpreter.progress = { printed.progress.append($0) }
        try interpreter.run(
            """
            seed 0
            let digits = dataset("digits")
            let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4)
            train(model, digits.train, views: preset("digits"), epochs: 1, batch: 64, quiet: true)
            """, name: "<setup>")
        return (interpreter, dir, { printed.lines })
    }

    final class Box {
        var lines: [String] = []
        var progress: [String] = []
    }

    @Test("model.save, then load_encoder and moco(encoder:) start from the same backbone")
    func weightsRoundTrip() throws {
        let (interpreter, dir, printed) = try session()
        defer { try? FileManager.default.removeItem(at: dir) }
        try interpreter.run(
            """
            model.save("encoder.safetensors")
            let loaded = load_encoder("encoder.safetensors", into: convnet([8, 16]))
            print(loaded)
            let again = moco(encoder: loaded, dim: 16, queue: 128, splits: 4)
            let a = model.features(digits.test, transform: false)
            let b = again.features(digits.test, transform: false)
            print(a.shape, (a - b).norm)
            """, name: "<load>")
        #expect(
            printed().suffix(2) == [
                "encoder convnet 8-16, 1 input channel, weights from encoder.safetensors", "[450, 16] 0"
            ])
        do {
            try interpreter.run(#"load_encoder("encoder.safetensors", into: convnet([8, 32]))"#, name: "<wrong>")
            Issue.record("a mismatched architecture was accepted")
        } catch let e as ScriptError {
            #expect(
                "\(e)".contains(
                    "load_encoder: encoder.safetensors does not fit convnet 8-32: body.3.weight has shape [16, 8, 3, 3]"
                ),
                "\(e)")
        }
    }

    @Test("finetune gives a classifier: members, predict, evaluate, save with fc.weight and fc.bias, classify a file")
    func classifierMembersAndFile() throws {
        let (interpreter, dir, printed) = try session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scripts = Bundle.module.url(forResource: "Scripts", withExtension: nil)!
        let cat = scripts.appendingPathComponent("images/cat.png")
        try FileManager.default.copyItem(at: cat, to: dir.appendingPathComponent("cat.png"))
        try interpreter.run(
            """
            let c = finetune(model, digits, labels: 0.1, epochs: 2, batch: 32)
            print(type(c), c.labels, c.epoch, c.origin, c.frozen)
            print(c.accuracy > 0, c.top5 >= c.accuracy, len(c.per_class), c.confusion.shape, c.confusion.sum)
            print(len(c.history.loss.values), c.history.test_accuracy.last == c.accuracy)
            let p = c.predict(digits.test)
            print(len(p.labels), p.probabilities.shape, c.evaluate(digits.test).accuracy == c.accuracy)
            print(c.save("clf.safetensors"))
            plot(c, file: "confusion.png")
            let one = classify(c, "cat.png")
            var total = 0
            for name in keys(one.probabilities) { total = total + one.probabilities[name] }
            print(type(one.class), one.label >= 0 and one.label < 10, one.probability > 0.1, abs(total - 1) < 1e-4)
            """, name: "<finetune>")
        #expect(printed().last == "string true true true")
        let out = printed().suffix(6)
        #expect(
            Array(out.prefix(4)) == [
                "classifier 136 2 pre-trained MoCo v2 false", "true true 10 [10, 10] 450", "2 true",
                "450 [450, 10] true"
            ])
        let plots = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
        #expect(plots.contains { $0.hasSuffix("confusion.png") } && plots.contains { $0.hasSuffix("confusion.gp") })
        let (state, metadata) = try SafeTensors.read(dir.appendingPathComponent("clf.safetensors"))
        #expect(state.suffix(2).map(\.name) == ["fc.weight", "fc.bias"])
        #expect(state.first { $0.name == "fc.weight" }?.tensor.shape == [10, 16])
        #expect(metadata["classes"] == #"["0","1","2","3","4","5","6","7","8","9"]"#)
    }

    @Test("Ctrl-C stops finetune at a step; resume finishes the plan and equals an uninterrupted run")
    func interruptAndResume() throws {
        let (interpreter, dir, printed) = try session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = NSLock()
        var calls = 0
        interpreter.interruptSource = {
            lock.withLock {
                calls += 1
                return calls == 3
            }
        }
        try interpreter.run(
            """
            let c = finetune(model, digits, labels: 0.5, epochs: 2, batch: 64, quiet: true)
            print(c.interrupted, c.epoch)
            c.resume(quiet: true)
            print(c.interrupted, c.epoch)
            """, name: "<interrupt>")
        interpreter.interruptSource = nil
        try interpreter.run("print(c.accuracy, c.predict(digits.test).probabilities.norm)", name: "<interrupted>")
        // The same session without the interruption draws the same generators.
        let (straight, straightDir, straightPrinted) = try session()
        defer { try? FileManager.default.removeItem(at: straightDir) }
        try straight.run(
            """
            let c = finetune(model, digits, labels: 0.5, epochs: 2, batch: 64, quiet: true)
            print(c.accuracy, c.predict(digits.test).probabilities.norm)
            """, name: "<straight>")
        #expect(printed().suffix(3).prefix(2) == ["true 0", "false 2"])
        #expect(printed().last == straightPrinted().last)
    }

    @Test("train warns once about a queue as large as the data and refuses views the encoder cannot take")
    func trainChecksItsData() throws {
        let interpreter = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        var warnings: [String] = []
        interpreter.warn = { warnings.append($0) }
        interpreter.progress = { _ in }
        try interpreter.run(
            """
            let digits = dataset("digits")
            let small = digits.train.subset(256)
            let model = moco(encoder: convnet([8]), dim: 8, queue: 256, splits: 4)
            train(model, small, views: preset("digits"), epochs: 2, batch: 64, quiet: true)
            """, name: "<queue>")
        #expect(
            warnings == [
                "train: the queue of 256 keys is not smaller than the 256 images of digits.train[256]: it then holds stale keys of the same images as negatives; choose a queue below 256, a multiple of the batch"
            ])
        do {
            try interpreter.run(
                """
                let rgb = moco(encoder: resnet(width: 8), dim: 8, queue: 64, splits: 4)
                train(rgb, small, views: preset("digits"), epochs: 1, batch: 64)
                """, name: "<channels>")
            Issue.record("a 1-channel dataset trained a 3-channel encoder")
        } catch let e as ScriptError {
            #expect(
                "\(e)".contains(
                    "train: the images of digits.train[256] give 1-channel views, but the encoder takes 3 input channels; build it with in_channels: 1"
                ), "\(e)")
        }
    }

    @Test(
        "classifier.checkpoint and restore carry the whole fine-tuning state: resuming both gives the same classifier")
    func checkpointAndRestore() throws {
        let (interpreter, dir, printed) = try session()
        defer { try? FileManager.default.removeItem(at: dir) }
        try interpreter.run(
            """
            let a = finetune(model, digits, labels: 0.5, epochs: 2, batch: 64, quiet: true)
            a.checkpoint("a.safetensors")
            let b = finetune(model, digits, labels: 0.5, epochs: 0, batch: 64, quiet: true)
            b.restore("a.safetensors")
            print(b.epoch, b.epochs, b.accuracy == a.accuracy, len(b.history.loss.values))
            a.resume(epochs: 1, quiet: true)
            b.resume(epochs: 1, quiet: true)
            print((b.predict(digits.test).probabilities - a.predict(digits.test).probabilities).norm)
            """, name: "<checkpoint>")
        #expect(printed().suffix(2) == ["2 2 true 2", "0"])
        do {
            try interpreter.run(
                """
                let other = finetune(convnet([8]), digits, labels: 0.5, epochs: 0, batch: 64, quiet: true)
                other.restore("a.safetensors")
                """, name: "<mismatch>")
            Issue.record("a checkpoint of another architecture was restored")
        } catch let e as ScriptError {
            #expect("\(e)".contains("a.safetensors: classifier.*:"), "\(e)")
        }
    }
}
