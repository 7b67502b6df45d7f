import Foundation
import Moco
import MocoData
import MocoNN
import MocoSupport
import MocoTensor

/// Members of classifiers (`finetune(...)`).
enum ClassifierMembers {
    private static let classifier = MemberBuilder<ClassifierValue>(unwrap: \.asClassifier)

    /// A property of the test report, nil without test images.
    private static func reported(
        _ name: String, _ doc: String, _ value: @escaping @Sendable (ClassificationReport, [String]) -> Value
    ) -> Member {
        classifier.property(name, doc) { c, _ in c.report.map { value($0, c.classifier.classes) } ?? .nil }
    }

    static let classifiers = MemberTable(
        type: "classifier",
        properties: [
            reported("accuracy", "Top-1 accuracy on the test images (a fraction), nil without them.") { r, _ in
                .number(r.accuracy)
            },
            reported("top5", "Top-5 accuracy on the test images, nil with 5 classes or fewer.") { r, _ in
                r.top5.map { .number($0) } ?? .nil
            },
            reported("per_class", "The accuracy on the test images of each class, a record by class name.") {
                r, classes in
                perClass(r, classes)
            },
            reported("confusion", "The confusion matrix on the test images, [true class, predicted class] counts.") {
                r, _ in
                confusion(r)
            },
            classifier.property("classes", "The class names, in label order.") { c, _ in
                .list(c.classifier.classes.map { .string($0) })
            },
            classifier.property(
                "history", "Per epoch: `loss`, `train_accuracy` and `test_accuracy`, a record of series to plot."
            ) { c, _ in
                .record(
                    Record([
                        ("loss", .series(c.epochSeries("fine-tuning loss") { $0.loss })),
                        ("train_accuracy", .series(c.epochSeries("train accuracy") { $0.trainAccuracy })),
                        ("test_accuracy", .series(c.epochSeries("test accuracy") { $0.testAccuracy }))
                    ]))
            },
            classifier.property("labels", "The number of labelled images it was fine-tuned on.") { c, _ in
                .number(Double(c.tuner.labels.count))
            },
            classifier.property("origin", "What the backbone started from.") { c, _ in .string(c.origin) },
            classifier.property("frozen", "Whether the backbone was frozen (a linear probe).") { c, _ in
                .bool(c.tuner.freeze)
            },
            classifier.property("epoch", "The number of epochs trained.") { c, _ in .number(Double(c.tuner.epoch)) },
            classifier.property("epochs", "The number of epochs planned.") { c, _ in .number(Double(c.plannedEpochs)) },
            classifier.property("interrupted", "Whether Ctrl-C stopped it before its planned epochs.") { c, _ in
                .bool(c.interrupted)
            }
        ], methods: [predict, evaluate, save, resume, checkpoint, restore])

    static func perClass(_ r: ClassificationReport, _ classes: [String]) -> Value {
        .record(Record(zip(classes, r.perClass).map { ($0, $1.map { .number($0) } ?? .nil) }))
    }

    static func confusion(_ r: ClassificationReport) -> Value {
        let k = r.confusion.count
        return .tensor(
            (try? Tensor(shape: [k, k], scalars: r.confusion.flatMap { $0.map(Float.init) })) ?? Tensor(0))
    }

    static let predict = Builtin(
        "predict", [.required("data")], on: "classifier",
        doc: Doc(
            """
            Classifies images (a dataset part, or a tensor [N, C, H, W] in [0, 1]) through the evaluation transform: a \
            record of `labels` (class indices), `classes` (names) and `probabilities` (a tensor [N, classes]).
            """,
            example: "let p = clf.predict(digits.test)")
    ) { args in
        guard case .classifier(let c)? = args.receiver else { throw args.error("needs a classifier") }
        let images: Tensor
        switch try args["data"] {
        case .tensor(let t): images = t
        default: images = try args.images("data").labeled.images
        }
        let expected = c.data.imageShape
        guard images.rank == 4, Array(images.shape.dropFirst()) == expected else {
            throw args.error(
                "predict needs images of shape [N, \(expected.map(String.init).joined(separator: ", "))], got \(images.shape)"
            )
        }
        let p = try TrainingBuiltins.interruptible("predict", args.interpreter, at: args.loc) { cancel in
            try c.probabilities(images, cancel: cancel)
        }
        let labels = try p.argmax(axis: 1).scalars.map { Int($0) }
        return .record(
            Record([
                ("labels", .list(labels.map { .number(Double($0)) })),
                ("classes", .list(labels.map { .string(c.classifier.classes[$0]) })), ("probabilities", .tensor(p))
            ]))
    }

    static let evaluate = Builtin(
        "evaluate", [.required("data")], on: "classifier",
        doc: Doc(
            """
            Measures the classifier on labelled images (through its evaluation transform): a record of `accuracy`, \
            `top5` (nil with 5 classes or fewer), `per_class` and `confusion`.
            """,
            example: "clf.evaluate(digits.test).accuracy")
    ) { args in
        guard case .classifier(let c)? = args.receiver else { throw args.error("needs a classifier") }
        let data = try args.images("data").labeled
        guard data.classes.count == c.classifier.classes.count else {
            throw args.error(
                "the images have \(data.classes.count) classes, the classifier \(c.classifier.classes.count)")
        }
        let images = try c.evaluated(data)
        let r = try TrainingBuiltins.interruptible("evaluate", args.interpreter, at: args.loc) { cancel in
            try c.classifier.evaluate(images, cancel: cancel)
        }
        return .record(
            Record([
                ("accuracy", .number(r.accuracy)), ("top5", r.top5.map { .number($0) } ?? .nil),
                ("per_class", perClass(r, c.classifier.classes)), ("confusion", confusion(r))
            ]))
    }

    static let save = Builtin(
        "save", [.required("path")], on: "classifier",
        doc: Doc(
            """
            Writes the classifier as safetensors with torchvision names, `fc.weight` and `fc.bias` included (it loads \
            into the torchvision model of the same architecture with `strict=True`); the class names are in the \
            metadata. Written atomically.
            """,
            example: #"clf.save("digits-classifier.safetensors")"#)
    ) { args in
        guard case .classifier(let c)? = args.receiver else { throw args.error("needs a classifier") }
        let url = try args.interpreter.writableURL(
            try args.string("path"), kind: .safetensors, builtin: "classifier.save", at: args.loc)
        try c.classifier.save(to: url)
        args.interpreter.writtenFiles.append(url.path)
        return .string(url.path)
    }

    static let resume = Builtin(
        "resume", [.optional("epochs"), .optional("quiet", .bool(false))], on: "classifier", mutates: ["self"],
        doc: Doc(
            """
            Continues fine-tuning: without `epochs`, up to the planned number (after an interruption); with `epochs`, \
            that many more (the schedules stretch over the longer plan).
            """,
            example: "clf.resume(epochs: 10)")
    ) { args in
        guard case .classifier(let c)? = args.receiver else { throw args.error("needs a classifier") }
        var more = c.plannedEpochs - c.tuner.epoch
        if !(try args.isNil("epochs")) {
            more = try args.int("epochs", min: 0, max: MoCoTrainer.maxEpochs - c.tuner.epoch)
            c.plannedEpochs = max(c.plannedEpochs, c.tuner.epoch + more)
        }
        try FineTuning.train(
            c, epochs: more, quiet: try args.bool("quiet"), interpreter: args.interpreter, at: args.loc)
        return .classifier(c)
    }

    static let checkpoint = Builtin(
        "checkpoint", [.required("path")], on: "classifier",
        doc: Doc(
            """
            Writes the whole fine-tuning state (classifier, both optimizers, every step and epoch) atomically; \
            `classifier.restore` in a classifier made by the same `finetune` call continues exactly as this one would.
            """,
            example: #"clf.checkpoint("finetune.ckpt.safetensors")"#)
    ) { args in
        guard case .classifier(let c)? = args.receiver else { throw args.error("needs a classifier") }
        let url = try args.interpreter.writableURL(
            try args.string("path"), kind: .safetensors, builtin: "classifier.checkpoint", at: args.loc)
        try FineTuneCheckpoint.save(c.tuner, recipe: ["planned_epochs": String(c.plannedEpochs)], to: url)
        args.interpreter.writtenFiles.append(url.path)
        return .string(url.path)
    }

    static let restore = Builtin(
        "restore", [.required("path")], on: "classifier", mutates: ["self"],
        doc: Doc(
            """
            Restores a state written by `classifier.checkpoint` into this classifier (made by the same `finetune` \
            call, e.g. with `epochs: 0`); `resume` then goes on exactly.
            """,
            example: #"clf.restore("finetune.ckpt.safetensors")"#)
    ) { args in
        guard case .classifier(let c)? = args.receiver else { throw args.error("needs a classifier") }
        let url = try args.interpreter.readableURL(try args.string("path"), builtin: "classifier.restore", at: args.loc)
        let recipe = try FineTuneCheckpoint.load(into: c.tuner, from: url, warn: args.interpreter.warn)
        if let planned = recipe["planned_epochs"].flatMap(Int.init), planned >= c.tuner.epoch,
            planned <= MoCoTrainer.maxEpochs
        {
            c.plannedEpochs = planned
        }
        c.interrupted = false
        try FineTuning.measure(c, interpreter: args.interpreter, at: args.loc)
        return .classifier(c)
    }
}
