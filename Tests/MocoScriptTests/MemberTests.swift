import Foundation
import MocoScript
import Testing

/// Members come from one table per type: what completion offers, what evaluation reads and what
/// `help` and the docs describe are the same names.
@Suite("Members")
struct MemberTests {
    /// One value of every type with members, made cheaply.
    static let setup = """
        seed 0
        let data = dataset("digits")
        let part = data.train.subset(300)
        let aug = augment(random_resized_crop(8, scale: 0.5..1))
        let sched = cosine(0.99, 1)
        let enc = convnet([8, 16])
        let model = moco(encoder: enc, dim: 16, queue: 128, splits: 4)
        let opt = sgd(lr: 0.06)
        let mon = knn(data.test, k: 20)
        let run = train(model, part, views: aug, epochs: 1, batch: 100, quiet: true)
        let ser = run.loss
        let t = tensor([[1, 2], [3, 4], [5, 6], [7, 1], [2, 9], [4, 4]])
        let emb = tsne(t, perplexity: 1.5, iterations: 50, quiet: true)
        """

    static let names = ["data", "part", "aug", "sched", "enc", "model", "opt", "mon", "run", "ser", "t", "emb"]

    @Test("every member offered after `value.` is readable, and help describes it")
    func completionEvaluationAndHelpAgree() throws {
        let interpreter = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        interpreter.output = { _ in }
        try interpreter.run(Self.setup, name: "<setup>")
        var types = Set<String>()
        for name in Self.names {
            let value = try #require(interpreter.global(name), "\(name) is not defined")
            types.insert(value.typeName)
            let members = interpreter.memberNames(of: value)
            #expect(!members.isEmpty, "\(value.typeName) has no members")
            #expect(Set(members).count == members.count, "\(value.typeName) lists a member twice: \(members)")
            let methods = interpreter.methodNames(of: value)
            for member in members {
                let topic = "\(value.typeName).\(member)"
                let help = try #require(BuiltinLibrary.help(topic: topic), "help has nothing on \(topic)")
                let doc = help.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
                #expect(doc.trimmingCharacters(in: .whitespaces).count > 8, "\(topic) is undocumented: \(help)")
                #expect(BuiltinLibrary.topics.contains(topic))
                if !methods.contains(member) {
                    let read = try interpreter.run("\(name).\(member)", name: "<read>")
                    #expect(read != nil, "\(topic) is offered but reads as nothing")
                }
                #expect(
                    BuiltinLibrary.markdown.contains("`\(member)`") || BuiltinLibrary.markdown.contains(".\(member)("),
                    "docs/builtins.md does not describe \(topic)")
            }
        }
        #expect(
            types == [
                "dataset", "images", "augmentation", "schedule", "encoder", "model", "optimizer", "monitor", "run",
                "series", "tensor", "embedding"
            ])
    }

    @Test("help on a property names it, marks it settable, and says what it holds")
    func propertyHelp() {
        #expect(
            BuiltinLibrary.help(topic: "model.queue")
                == "model.queue (settable)\n  The number of negatives in the queue (nil for v3); setting it resizes the queue, keeping the newest keys."
        )
        #expect(BuiltinLibrary.help(topic: "run.loss") == "run.loss\n  The contrastive loss of each step.")
        #expect(BuiltinLibrary.help(topic: "model.nothing") == nil)
        #expect(BuiltinLibrary.help(topic: "queue") == nil)
    }

    @Test("only the settable members can be assigned, with the list of them in the error")
    func settable() throws {
        let interpreter = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        interpreter.output = { _ in }
        try interpreter.run(Self.setup, name: "<setup>")
        try interpreter.run(
            "model.temperature = 0.5\nmodel.queue = 64\nmodel.symmetric = true\nmodel.momentum = 0.9", name: "<set>")
        #expect(
            try interpreter.run("[model.temperature, model.queue, model.symmetric]", name: "<get>")?.display
                == "[0.5, 64, true]")
        for (line, message) in [
            ("model.dim = 3", "cannot set model.dim"), ("run.epoch = 3", "cannot set 'epoch' of run"),
            ("model.queue = \"big\"", "model.queue must be a number, got string")
        ] {
            do {
                try interpreter.run(line, name: "<set>")
                Issue.record("\(line) was accepted")
            } catch let e as ScriptError {
                #expect("\(e)".contains(message), "\(e)")
                if !message.contains("must") {
                    #expect(
                        "\(e)".contains(
                            "settable members: model.queue, model.momentum, model.temperature, model.symmetric"))
                }
            }
        }
    }
}
