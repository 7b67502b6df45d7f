import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// From pre-training to a classifier: weights in, fine-tuning, classifying files.
enum FineTuneBuiltins {
    static let all: [Builtin] = [loadEncoder, finetune, classify]

    static let loadEncoder = Builtin(
        "load_encoder", [.required("path"), .required("into")],
        doc: Doc(
            """
            The encoder `into` (an architecture such as resnet(...)) with the backbone weights of a safetensors file: \
            ours (`model.save`, `run.save`), a torchvision model, or a facebookresearch/moco checkpoint converted to \
            safetensors. `module.` is removed, then the first prefix among `encoder_q.`, `query.`, `backbone.` and \
            `encoder.` selects the encoder's names, and the head (`fc.*`) is left out. A missing key, a differing shape \
            or an unknown key is refused, naming the first. `moco(encoder: ...)` and `finetune(...)` start from these \
            weights.
            """,
            example: #"let encoder = load_encoder("resnet18-moco.safetensors", into: resnet(18, width: 16))"#)
    ) { args in
        var spec = try args.typed("into", "an encoder such as convnet() or resnet()", \.asEncoder)
        let url = try args.interpreter.readableURL(try args.string("path"), builtin: "load_encoder", at: args.loc)
        let state: StateDict
        do { state = try SafeTensors.read(url).tensors } catch {
            throw ScriptError(.io, "load_encoder: \(error)", at: args.loc)
        }
        // Refuse a mismatch now, on a throwaway copy, rather than at the first use.
        var unused = RandomGenerator(seed: 0)
        let probe = try spec.untrained.build(norm: .batchNorm, using: &unused)
        do { try BackboneWeights.load(state, into: probe) } catch let e as StateDictError {
            throw ScriptError(
                .runtime, "load_encoder: \(url.lastPathComponent) does not fit \(spec.name): \(e.message)", at: args.loc
            )
        }
        spec.weights = (BackboneWeights.backbone(of: state), url.lastPathComponent)
        return .encoder(spec)
    }

    static let finetune = Builtin(
        "finetune",
        [
            .required("model"), .required("data"), .optional("test"), .optional("labels", .number(1)),
            .optional("epochs", .number(30)), .optional("batch", .number(256)), .optional("lr"),
            .optional("backbone_lr"), .optional("weight_decay", .number(5e-4)), .optional("views"),
            .optional("freeze", .bool(false)), .optional("from_scratch", .bool(false)), .optional("seed", .number(0)),
            .optional("quiet", .bool(false))
        ],
        doc: Doc(
            """
            Supervised fine-tuning: `model`'s backbone (a MoCo model's query encoder, or an encoder, e.g. from \
            `load_encoder`) with a new linear classifier, trained with cross-entropy on `labels` (a fraction in (0, 1]) of \
            `data`'s labelled images, a stratified subset drawn with `seed`, so runs with the same seed see the same \
            labels. SGD with momentum 0.9 and `weight_decay`; `lr` (number, schedule or function of t, default \
            cosine(0.1, 0)) for the classifier and `backbone_lr` (default the same) for the backbone; `batch` images \
            (at most the labelled ones) seen through `views` (default: the model's evaluation transform, no \
            augmentation). `freeze: true` trains the classifier alone on a frozen backbone (a linear probe with \
            augmentation); `from_scratch: true` trains the same architecture from random weights, the baseline. `test` \
            (default: the test part of a split dataset) is measured after each epoch. Prints one line per epoch (unless \
            `quiet`); Ctrl-C stops at the next step and `classifier.resume()` goes on.
            """,
            example: "let clf = finetune(model, digits, labels: 0.1, epochs: 30)")
    ) { args in
        let interp = args.interpreter
        let given = try args.data("data")
        let data = given.isSplit ? given.train! : given
        let test: DataValue? =
            try args.isNil("test") ? (given.isSplit ? given.test : nil) : try args.images("test")
        let fraction = try args.number("labels")
        guard fraction > 0, fraction <= 1 else {
            throw args.error("'labels' must be a fraction in (0, 1], got \(Value.format(fraction))")
        }
        let seed = try args.int("seed", min: 0)
        let labelled = try data.labeled.subset(
            try LabelSubset.stratified(labels: data.labeled.labels, fraction: fraction, seed: UInt64(seed)))
        let batch = min(try args.size("batch"), labelled.count)
        let epochs = try args.int("epochs", min: 0, max: MoCoTrainer.maxEpochs)
        let freeze = try args.bool("freeze")
        let scratch = try args.bool("from_scratch")
        guard !(freeze && scratch) else {
            throw args.error("'freeze' and 'from_scratch' together would train a classifier on random features")
        }
        var rng = interp.nextGenerator("finetune")
        var initRNG = rng.stream("init")
        let (backbone, channels, origin, recorded) = try makeBackbone(
            try args["model"], scratch: scratch, &initRNG, args)
        let views: any Augmentation
        let evaluation: Pipeline?
        if try args.isNil("views") {
            views = recorded ?? Pipeline([])
            evaluation = recorded
        } else {
            let pipeline = try args.pipeline("views").pipeline
            (views, evaluation) = (pipeline, EvaluationTransform.of(pipeline))
        }
        try TrainingBuiltins.checkViews(
            [views], data: data, batch: batch, encoderChannels: channels, args)
        let lr = try args.isNil("lr") ? ScheduleBuiltins.cosine(0.1, 0) : try args.schedule("lr")
        let backboneLR = try args.isNil("backbone_lr") ? lr : try args.schedule("backbone_lr")
        let weightDecay = try args.number("weight_decay")
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw args.error("'weight_decay' must be a finite number >= 0, got \(Value.format(weightDecay))")
        }
        var headRNG = rng.stream("head")
        let classifier = try Classifier(backbone: backbone, classes: data.classes, using: &headRNG)
        let tuner = try FineTuner(
            classifier: classifier, images: labelled.images, labels: labelled.labels, views: views, batch: batch,
            lr: .constant(0), backboneLR: .constant(0), weightDecay: Float(weightDecay), freeze: freeze,
            seed: rng.stream("data"))
        let value = ClassifierValue(
            classifier: classifier, tuner: tuner, origin: origin, data: data, test: test, evaluation: evaluation,
            lr: lr, backboneLR: backboneLR, plannedEpochs: epochs)
        try FineTuning.train(value, epochs: epochs, quiet: try args.bool("quiet"), interpreter: interp, at: args.loc)
        return .classifier(value)
    }

    /// The backbone to fine-tune (plain batch norm, no head yet) from a model or an encoder, what it started from,
    /// and the evaluation transform its pre-training recorded.
    private static func makeBackbone(
        _ value: Value, scratch: Bool, _ rng: inout RandomGenerator, _ args: Arguments
    ) throws -> (encoder: any Encoder, channels: Int, origin: String, evaluation: Pipeline?) {
        switch value {
        case .model(let m):
            let encoder = try m.spec.untrained.build(norm: .batchNorm, using: &rng)
            if scratch { return (encoder, m.spec.inputChannels, "random weights", m.evaluation) }
            try BackboneWeights.load(m.moco.query.stateDict(), into: encoder)
            return (encoder, m.spec.inputChannels, "pre-trained MoCo v\(m.version)", m.evaluation)
        case .encoder(let spec):
            let source = scratch ? spec.untrained : spec
            let encoder = try source.build(norm: .batchNorm, using: &rng)
            return (
                encoder, spec.inputChannels, source.weights.map { "weights from \($0.file)" } ?? "random weights", nil
            )
        default:
            throw args.typeError("model", expected: "a model (moco(...)) or an encoder", got: value)
        }
    }

    static let classify = Builtin(
        "classify", [.required("classifier"), .required("path")],
        doc: Doc(
            """
            Classifies one PNG or JPEG file: decoded with the classifier's channels, resized to its training images' \
            size, through its evaluation transform. A record of `class` (the name), `label` (the index), `probability` \
            and `probabilities` (per class name).
            """,
            example: #"classify(clf, "cat.png").class"#)
    ) { args in
        let c = try args.typed("classifier", "a classifier (see finetune())", \.asClassifier)
        let url = try args.interpreter.readableURL(try args.string("path"), builtin: "classify", at: args.loc)
        let shape = c.data.imageShape
        guard shape[1] == shape[2] else {
            throw args.error("classify needs square training images, \(c.data.name)'s are \(shape[1])x\(shape[2])")
        }
        var image: Image
        do {
            image = try ImageFolder.image(at: url, channels: shape[0])
        } catch { throw ScriptError(.io, "classify: \(error)", at: args.loc) }
        var unused = RandomGenerator(seed: 0)
        Resize(shape[1]).apply(&image, using: &unused)
        let tensor = try Tensor(shape: [1] + shape, scalars: image.pixels)
        let probabilities = try c.probabilities(tensor)
        let p = probabilities.scalars.map(Double.init)
        let best = Int(try probabilities.argmax(axis: 1).scalars[0])
        return .record(
            Record([
                ("class", .string(c.classifier.classes[best])), ("label", .number(Double(best))),
                ("probability", .number(p[best])),
                ("probabilities", .record(Record(zip(c.classifier.classes, p).map { ($0, .number($1)) })))
            ]))
    }
}

/// Runs epochs of fine-tuning with progress lines, interruption and divergence handling, as `Training` does for
/// pre-training.
enum FineTuning {
    /// Fine-tunes, or, while a notebook replays a cached cell, restores the checkpoint its original run left.
    static func train(
        _ value: ClassifierValue, epochs: Int, quiet: Bool, interpreter interp: Interpreter, at loc: Loc
    ) throws {
        if case .checkpoint(let url, let interrupted)? = interp.memo?.recall("finetune") {
            do {
                try FineTuneCheckpoint.load(into: value.tuner, from: url)
                value.interrupted = interrupted
                try measure(value, interpreter: interp, at: loc)
                return
            } catch {
                // Refused before anything changed: the classifier trains as if the cell were not cached.
                interp.warn("cache: the saved fine-tuning state is refused (\(error)); fine-tuning again")
            }
        }
        try trainLive(value, epochs: epochs, quiet: quiet, interpreter: interp, at: loc)
        if let memo = interp.memo, let url = memo.newFile("finetune", extension: "safetensors") {
            try FineTuneCheckpoint.save(value.tuner, to: url)
            memo.record("finetune", .checkpoint(url, interrupted: value.interrupted))
        }
    }

    /// The classifier's report on its test images (`test`, already through its evaluation transform, when the
    /// caller has them), if it has test images.
    static func measure(
        _ value: ClassifierValue, test: LabeledImages? = nil, interpreter interp: Interpreter, at loc: Loc
    ) throws {
        guard let images = try test ?? value.test.map({ try value.evaluated($0.labeled) }) else { return }
        value.report = try TrainingBuiltins.interruptible("finetune", interp, at: loc) { cancel in
            try value.classifier.evaluate(images, cancel: cancel)
        }
    }

    private static func trainLive(
        _ value: ClassifierValue, epochs: Int, quiet: Bool, interpreter interp: Interpreter, at loc: Loc
    ) throws {
        let tuner = value.tuner
        let failure = FailureBox()
        tuner.lr = value.lr.engine(epochs: value.plannedEpochs, failure: failure)
        tuner.backboneLR = value.backboneLR.engine(epochs: value.plannedEpochs, failure: failure)
        value.interrupted = false
        let test = try value.test.map { try value.evaluated($0.labeled) }
        let evaluate: ((Classifier) throws -> Double)? = test.map { t in { try $0.evaluate(t).accuracy } }
        let steps = tuner.loader.batchesPerEpoch
        for epochIndex in 0..<epochs {
            let start = Date()
            do {
                try tuner.train(epochs: 1, evaluate: evaluate) { p, _ in
                    if interp.takeInterrupt() { tuner.cancelRequested = true }
                    if !quiet, let report = interp.stepProgress {
                        let done = Double(p.step + 1)
                        let elapsed = Date().timeIntervalSince(start)
                        let remaining = Double(epochs - 1 - epochIndex) * Double(steps) + Double(steps) - done
                        report(
                            TrainingStatus(
                                epoch: p.epoch + 1, epochs: value.plannedEpochs, step: p.step + 1, steps: steps,
                                loss: Double(p.metrics.loss), knn: tuner.epochs.last?.testAccuracy,
                                imagesPerSecond: done * Double(tuner.loader.batchSize) / max(elapsed, 1e-9),
                                secondsLeft: remaining * elapsed / done))
                    }
                }
            } catch let stop as TrainingStopped {
                if let e = failure.error { throw e }
                try Training.report(
                    stop, steps: steps, activity: "fine-tuning", state: "classifier, optimizer and history",
                    resume: "classifier.resume()", subject: "the classifier",
                    lastGood: tuner.steps.last.map { ($0.loss, $0.lr) }, interpreter: interp, at: loc)
                value.interrupted = true
                break
            }
            if let e = failure.error { throw e }
            if !quiet, let e = tuner.epochs.last {
                var line = String(
                    format: "finetune epoch %d/%d  loss %.4f  train %.1f%%", e.epoch, value.plannedEpochs, e.loss,
                    e.trainAccuracy * 100)
                if let acc = e.testAccuracy { line += String(format: "  test %.2f%%", acc * 100) }
                line += String(format: "  lr %.4g", Double(tuner.steps.last?.lr ?? 0))
                interp.trainingLog?(line)
                line += String(
                    format: "  %.0f img/s",
                    Double(steps * tuner.loader.batchSize) / max(Date().timeIntervalSince(start), 1e-9))
                interp.progress(line)
            }
        }
        try measure(value, test: test, interpreter: interp, at: loc)
    }
}
