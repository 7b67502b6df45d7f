import Foundation
import MocoScript
import Testing

/// The evaluation builtins: Ctrl-C stops them with a located error and the session goes on;
/// a kNN monitor measures the features it names.
@Suite("Evaluation builtins", .serialized)
struct EvaluationTests {
    static let setup = """
        seed 0
        let data = dataset("digits")
        let small = data.train.subset(400)
        let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4)
        """

    @Test(
        "Ctrl-C stops knn_accuracy and linear_probe with a located error; the session goes on",
        arguments: ["knn_accuracy(model, small, data.test)", "linear_probe(model, small, data.test, epochs: 100000)"])
    func interrupted(call: String) throws {
        let interpreter = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        var printed: [String] = []
        interpreter.output = { printed.append($0) }
        try interpreter.run(Self.setup, name: "<setup>")
        let pressed = NSLock()
        var pending = true
        interpreter.interruptSource = {
            pressed.withLock {
                defer { pending = false }
                return pending
            }
        }
        let builtin = String(call.prefix { $0 != "(" })
        #expect(throws: ScriptError.self) { try interpreter.run("let a = 1\nlet x = \(call)", name: "<eval>") }
        let quick = call.replacingOccurrences(of: "100000", with: "2")
        do { try interpreter.run("let y = \(quick)", name: "<again>") } catch {
            Issue.record("the interrupt was taken once, the second call should finish: \(error)")
        }
        pending = true
        do {
            try interpreter.run("let z = \(call)", name: "<eval>")
            Issue.record("\(builtin) was not interrupted")
        } catch let e as ScriptError {
            #expect("\(e)".hasPrefix("<eval>:1:") && "\(e)".contains(" error: \(builtin): interrupted"), "\(e)")
        }
        try interpreter.run("print(1 + 1)", name: "<after>")
        #expect(printed.last == "2")
    }

    @Test("knn(test, source: \"head\") as a train monitor measures the head's features")
    func monitorSource() throws {
        let interpreter = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        var printed: [String] = []
        interpreter.output = { printed.append($0) }
        try interpreter.run(
            Self.setup + """

                let test = data.test.subset(300)
                let run = train(model, small, views: preset("digits"), epochs: 1, batch: 64, monitor: knn(test, k: 20, source: "head"), quiet: true)
                print(run.knn.last)
                print(knn_accuracy(model, small, test, k: 20, source: "head"))
                print(knn_accuracy(model, small, test, k: 20))
                """, name: "<monitor>")
        let (monitor, head, backbone) = (
            printed[printed.count - 3], printed[printed.count - 2], printed[printed.count - 1]
        )
        #expect(monitor == head)
        #expect(head != backbone, "the check needs features that differ: \(head) and \(backbone)")
    }

    /// The regression test of the evaluation transform: a model trained on normalised views is
    /// measured on normalised images (the same kNN as with the normalisation given explicitly),
    /// not on the raw pixels, by every evaluation path.
    @Test("evaluations use the deterministic part of the training views")
    func evaluationTransform() throws {
        let interpreter = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        var printed: [String] = []
        interpreter.output = { printed.append($0) }
        try interpreter.run(
            Self.setup + """

                let test = data.test.subset(200)
                let views = random_resized_crop(8, scale: 0.5..1) + normalize([0.3], [0.4])
                let run = train(model, small, views: views, epochs: 1, batch: 64, monitor: knn(test, k: 20), quiet: true)
                print(run.knn.last)
                print(knn_accuracy(model, small, test, k: 20))
                print(knn_accuracy(model, small, test, k: 20, transform: normalize([0.3], [0.4])))
                print(knn_accuracy(model, small, test, k: 20, transform: false))
                print(model.features(test).sum == model.features(test, transform: normalize([0.3], [0.4])).sum)
                print(model.features(test).sum == model.features(test, transform: false).sum)
                seed 5
                let p1 = linear_probe(model, small, test, epochs: 3)
                seed 5
                print(p1 == linear_probe(model, small, test, epochs: 3, transform: normalize([0.3], [0.4])))
                """, name: "<transform>")
        let lines = Array(printed.suffix(7))
        #expect(lines[0] == lines[1], "the monitor: \(lines)")
        #expect(lines[1] == lines[2], "recorded and explicit normalisation: \(lines)")
        #expect(lines[2] != lines[3], "raw pixels give other features: \(lines)")
        #expect(Array(lines[4...]) == ["true", "false", "true"], "\(lines)")
        try interpreter.run("print(model)\nprint(run)", name: "<summary>")
        let summaries = printed.suffix(2).joined(separator: "\n")
        #expect(
            summaries.components(separatedBy: "evaluation transform: resize(8) -> normalize(mean: [0.3], std: [0.4])")
                .count == 3,
            "\(summaries)")
    }

    @Test("train(diagnostics:) records RankMe, collapse std, alignment and uniformity per epoch; checkpoints keep them")
    func diagnosticsSeries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-diagnostics-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let interpreter = Interpreter(baseDirectory: dir)
        var printed: [String] = []
        interpreter.output = { printed.append($0) }
        try interpreter.run(
            Self.setup + """

                let run = train(model, small, views: preset("digits"), epochs: 2, batch: 64, diagnostics: data.test, online: true, quiet: true)
                print(run.rankme.x, len(run.rankme.values) == 2, run.feature_std.last < 0.25, run.alignment.last >= 0, run.uniformity.last <= 0)
                run.save("run.safetensors")
                let other = train(moco(encoder: convnet([8, 16]), dim: 16, queue: 128, splits: 4), small, views: preset("digits"), epochs: 0, quiet: true)
                print(other.rankme, len(run.online.values), other.online)
                other.load("run.safetensors")
                print(other.rankme.values == run.rankme.values, other.uniformity.values == run.uniformity.values)
                """, name: "<diagnostics>")
        #expect(printed == ["[1, 2] true true true true", "nil 2 nil", "true true"])
    }
}
