import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// Training, monitoring and evaluation.
enum TrainingBuiltins {
    static func source(_ args: Arguments) throws -> FeatureSource {
        switch try args.string("source") {
        case "backbone": return .backbone
        case "head": return .head
        case let s: throw args.error("'source' must be \"backbone\" or \"head\", got \(Value.quote(s))")
        }
    }

    /// The images an evaluation encodes, from its `transform` argument: nil (the model's recorded
    /// evaluation transform), `false` (the images as they are) or an augmentation pipeline.
    static func evaluation(_ args: Arguments) throws -> EvaluationChoice {
        switch try args["transform"] {
        case .nil: return .recorded
        case .bool(false): return .raw
        case .pipeline(let p): return .pipeline(p.pipeline)
        case let other:
            throw args.typeError(
                "transform", expected: "an augmentation, or false for the images as they are", got: other)
        }
    }

    /// `data` with its images as `model`'s evaluations see them.
    static func evaluated(_ data: LabeledImages, _ model: ModelValue, _ choice: EvaluationChoice) throws
        -> LabeledImages
    {
        LabeledImages(
            images: try model.evaluationImages(data.images, choice), labels: data.labels, classes: data.classes)
    }

    /// Runs an evaluation that Ctrl-C (the interpreter's interrupt) stops with a located error.
    static func interruptible<T>(
        _ builtin: String, _ interp: Interpreter, at loc: Loc,
        _ body: (_ cancel: () -> Bool) throws -> T
    ) throws -> T {
        do { return try body { interp.takeInterrupt() } } catch is EvaluationInterrupted {
            throw ScriptError(.runtime, "\(builtin): interrupted", at: loc)
        }
    }

    /// The two view pipelines from one pipeline (both views) or a list of two.
    static func views(_ args: Arguments) throws -> [any Augmentation] {
        switch try args["views"] {
        case .pipeline(let p): return [p.pipeline, p.pipeline]
        case .list(let l) where l.count == 2:
            return try l.map {
                guard case .pipeline(let p) = $0 else {
                    throw args.typeError("views", expected: "an augmentation or a list of two", got: $0)
                }
                return p.pipeline
            }
        default: throw args.typeError("views", expected: "an augmentation or a list of two", got: try args["views"])
        }
    }

    /// Refuses views written for another channel count than the data's, views that give images of another channel
    /// count than the encoder's `encoderChannels`, and batches of views that cannot fit in memory (the size of a
    /// view is learnt by transforming the first image).
    static func checkViews(
        _ views: [any Augmentation], data: DataValue, batch: Int, encoderChannels: Int? = nil, _ args: Arguments
    ) throws {
        let images = data.labeled.images
        let channels = images.shape[1]
        for (k, v) in views.enumerated() {
            if let c = v.requiredChannels, c != channels {
                throw args.error(
                    "view \(k + 1) is written for \(c) channels (\(v.description)), but the images of \(data.name) have \(channels)"
                )
            }
            guard images.shape[0] > 0 else { continue }
            var probe = Image(images, index: 0)
            var rng = RandomGenerator(seed: 0)
            v.apply(&probe, using: &rng)
            if let expected = encoderChannels, probe.channels != expected {
                throw args.error(
                    "the images of \(data.name) give \(probe.channels)-channel views, but the encoder takes \(expected) input channel\(expected == 1 ? "" : "s"); build it with in_channels: \(probe.channels)"
                )
            }
            let elements = try Limits.product([batch, 2 * probe.pixels.count], for: "a batch of views", at: args.loc)
            try Limits.checkMemory(
                elements: elements, for: "a batch of \(batch) views of \(probe.height)x\(probe.width)", at: args.loc)
        }
    }

    /// The fixed input of `train(diagnostics:)`: up to 512 of its images through the model's evaluation transform,
    /// and two views of them drawn once.
    static func diagnosticsProbe(_ args: Arguments, _ model: ModelValue, _ views: [any Augmentation]) throws
        -> DiagnosticsProbe
    {
        let held = try args.images("diagnostics")
        let n = min(held.count, 512)
        guard n >= 2 else { throw args.error("'diagnostics' needs at least 2 images, \(held.name) has \(held.count)") }
        let images = try held.labeled.images.indexSelect(axis: 0, Array(0..<n))
        let loader = try ViewLoader(
            images: images, batchSize: n, pipelines: views, seed: args.interpreter.nextGenerator("diagnostics"))
        let pair = try loader.batch(epoch: 0, index: 0, order: Array(0..<n))
        return try DiagnosticsProbe(images: try model.evaluationImages(images), views: (pair.views[0], pair.views[1]))
    }

    /// The labelled images to train on: a part, or the train part of a split dataset.
    static func trainingImages(_ args: Arguments, _ name: String) throws -> DataValue {
        let d = try args.data(name)
        return d.isSplit ? d.train! : d
    }

    static let all: [Builtin] = [
        Builtin(
            "train",
            [
                .required("model"), .required("data"), .required("views"), .optional("epochs", .number(10)),
                .optional("batch", .number(256)),
                .optional("optimizer"), .optional("monitor"), .optional("lr_update", .string("step")),
                .optional("diagnostics"), .optional("online", .bool(false)), .optional("quiet", .bool(false))
            ],
            mutates: ["model"], keeps: ["model"],
            doc: Doc(
                """
                Pre-trains `model` on `data` (images, or a dataset's train part) with two augmented `views` per image (one \
                pipeline for both, or a list of two), for `epochs` epochs of `batch` images (the last partial batch is dropped). \
                `optimizer` defaults to sgd(lr: cosine(0.06, 0), momentum: 0.9, weight_decay: 5e-4); its lr schedule is read \
                every step, or at the start of each epoch with `lr_update: "epoch"`. With `monitor: knn(...)` the kNN accuracy \
                is measured after each epoch; with `diagnostics: data.test` label-free diagnostics of up to 512 of those images \
                are (`run.rankme`, `run.feature_std`, `run.alignment`, `run.uniformity`); with `online: true` a linear classifier \
                learns from each step's detached features and the images' labels (`run.online`: its accuracy per epoch). \
                Prints one line per epoch (unless `quiet`) and returns the run; Ctrl-C stops at \
                the next step and `run.resume()` goes on from there. A loss that is not finite stops training with an error and the model \
                as it was before that step.
                """,
                example:
                    "let run = train(model, data.train, views: views, epochs: 50, batch: 256, monitor: knn(data.test, k: 20))"
            )
        ) { args in
            let interp = args.interpreter
            let model = try args.model("model")
            let data = try trainingImages(args, "data")
            let views = try views(args)
            let epochs = try args.int("epochs", min: 0, max: MoCoTrainer.maxEpochs)
            let batch = try args.size("batch")
            guard batch <= data.count else {
                throw args.error("batch \(batch) is larger than the \(data.count) images of \(data.name)")
            }
            try checkViews(views, data: data, batch: batch, encoderChannels: model.spec.inputChannels, args)
            if let queue = model.moco.queue, queue.capacity >= data.count {
                interp.warn(
                    "train: the queue of \(queue.capacity) keys is not smaller than the \(data.count) images of \(data.name): it then holds stale keys of the same images as negatives; choose a queue below \(data.count), a multiple of the batch"
                )
            }
            model.evaluation = EvaluationTransform.of(views[0])
            let spec: OptimizerSpec
            switch try args["optimizer"] {
            case .nil:
                spec = OptimizerSpec(
                    kind: .sgd, lr: ScheduleBuiltins.cosine(0.06, 0), momentum: 0.9, weightDecay: 5e-4, nesterov: false,
                    betas: (0.9, 0.999), trust: 0)
            case .optimizer(let o): spec = o
            default:
                throw args.typeError("optimizer", expected: "an optimizer such as sgd(...)", got: try args["optimizer"])
            }
            var monitor: MonitorSpec?
            switch try args["monitor"] {
            case .nil: break
            case .monitor(let m): monitor = m
            default: throw args.typeError("monitor", expected: "knn(...)", got: try args["monitor"])
            }
            let lrUpdate: LRUpdate
            switch try args.string("lr_update") {
            case "step": lrUpdate = .perStep
            case "epoch": lrUpdate = .perEpoch
            case let s: throw args.error("'lr_update' must be \"step\" or \"epoch\", got \(Value.quote(s))")
            }
            let probe = try args.isNil("diagnostics") ? nil : try diagnosticsProbe(args, model, views)
            let loader = try ViewLoader(
                images: data.labeled.images, batchSize: batch, pipelines: views, seed: interp.nextGenerator("data"))
            let optimizer = try spec.make(model.moco.trainableParameters(), lr: Float(try spec.lr.function(0)))
            let trainer = try MoCoTrainer(
                model: model.moco, optimizer: optimizer, loader: loader, lr: .constant(0), lrUpdate: lrUpdate,
                momentum: .constant(0))
            let run = RunValue(
                model: model, trainer: trainer, data: data, monitor: monitor, optimizer: spec, plannedEpochs: epochs)
            run.diagnosticsProbe = probe
            if try args.bool("online") {
                guard data.classes.count >= 2 else {
                    throw args.error("'online' needs labelled images (at least 2 classes); \(data.name) has none")
                }
                var rng = interp.nextGenerator("online")
                run.online = try OnlineClassifier(
                    labels: data.labeled.labels, classes: data.classes.count,
                    features: model.moco.query.featureDimension, using: &rng)
            }
            model.lastRun = run
            interp.runs.append(run)
            if let request = interp.exportRequest {
                try ExportBuiltins.export(run, request: request, interpreter: interp, at: args.loc)
                return .run(run)
            }
            try Training.train(run, epochs: epochs, quiet: try args.bool("quiet"), interpreter: interp, at: args.loc)
            return .run(run)
        },
        Builtin(
            "knn",
            [
                .required("test"), .optional("k", .number(200)), .optional("t", .number(0.1)),
                .optional("source", .string("backbone")),
                .optional("transform")
            ],
            doc: Doc(
                """
                A kNN monitor for `train`: after each epoch, weighted kNN (InstDisc voting, cosine similarity, `k` \
                neighbours, temperature `t`) classifies `test` with the unaugmented training images as the memory bank, \
                both through the model's evaluation transform (`transform:` to override).
                """,
                example: "monitor: knn(data.test, k: 200, t: 0.1)")
        ) { args in
            .monitor(
                MonitorSpec(
                    test: try args.images("test"), k: try args.size("k"), t: try args.number("t"),
                    source: try source(args),
                    transform: try evaluation(args)))
        },
        Builtin(
            "knn_accuracy",
            [
                .required("model"), .required("train"), .required("test"), .optional("k", .number(200)),
                .optional("t", .number(0.1)),
                .optional("source", .string("backbone")), .optional("transform")
            ],
            doc: Doc(
                """
                Weighted kNN top-1 accuracy (a fraction) of the model's features: `train` is the memory bank, `test` the \
                queries, both through the model's evaluation transform (the deterministic part of its training views, such \
                as `normalize`; `transform:` gives another pipeline, `false` the images as they are).
                """,
                example: "let acc = knn_accuracy(model, data.train, data.test, k: 200)")
        ) { args in
            let model = try args.model("model")
            let classifier = try KNNClassifier(k: try args.size("k"), t: Float(try args.number("t")))
            let choice = try evaluation(args)
            let train = try evaluated(try args.images("train").labeled, model, choice)
            let test = try evaluated(try args.images("test").labeled, model, choice)
            let source = try source(args)
            let interp = args.interpreter
            return .number(
                try interp.memoized("knn_accuracy") {
                    try interruptible("knn_accuracy", interp, at: args.loc) { cancel in
                        try knnAccuracy(
                            model.moco.query, train: train, test: test, classifier: classifier, source: source,
                            cancel: cancel)
                    }
                })
        },
        Builtin(
            "linear_probe",
            [
                .required("model"), .required("train"), .required("test"), .optional("epochs", .number(100)),
                .optional("lr", .number(30)),
                .optional("transform")
            ],
            doc: Doc(
                """
                Linear evaluation: a linear classifier trained on the frozen, standardised backbone features of `train` \
                (SGD, momentum 0.9, cosine lr, batch 256), returning its top-1 accuracy (a fraction) on `test`. Images go \
                through the model's evaluation transform (`transform:` as for `knn_accuracy`).
                """,
                example: "linear_probe(model, data.train, data.test, epochs: 100)")
        ) { args in
            let model = try args.model("model")
            var seedRNG = args.interpreter.nextGenerator("linear-probe")
            let probe = LinearProbe(
                epochs: try args.int("epochs", min: 1), lr: Float(try args.number("lr")), seed: seedRNG.next())
            let choice = try evaluation(args)
            let train = try evaluated(try args.images("train").labeled, model, choice)
            let test = try evaluated(try args.images("test").labeled, model, choice)
            let interp = args.interpreter
            return .number(
                try interp.memoized("linear_probe") {
                    try interruptible("linear_probe", interp, at: args.loc) { cancel in
                        try probe.accuracy(model.moco.query, train: train, test: test, cancel: cancel)
                    }
                })
        },
        Builtin(
            "alignment", [.required("model"), .required("data"), .required("views")],
            doc: Doc(
                """
                Alignment (Wang & Isola): the mean squared distance between the normalised head features of two augmented \
                views of each image (up to 1,024 images; lower is better).
                """,
                example: "alignment(model, data.test, views)")
        ) { args in
            let model = try args.model("model")
            let data = try args.images("data").labeled
            let n = min(data.count, 1024)
            let loader = try ViewLoader(
                images: data.images, batchSize: n, pipelines: try views(args),
                seed: args.interpreter.nextGenerator("alignment"))
            let batch = try loader.batch(epoch: 0, index: 0, order: loader.order(epoch: 0))
            let a = try normalizedFeatures(model.moco.query, batch.views[0], source: .head)
            let b = try normalizedFeatures(model.moco.query, batch.views[1], source: .head)
            return .number(Double(try RepresentationMetrics.alignment(a, b)))
        },
        Builtin(
            "logits", [.required("model"), .required("data"), .required("views")],
            doc: Doc(
                """
                The contrastive logits of one batch without training (up to 256 images of `data`, two views, eval mode): a \
                record of tensors `positive` (q·k₊ / T, one per image) and `negative` (q against every queued key for \
                v1/v2, against the other images' keys for v3), for `histogram`.
                """,
                example:
                    #"let l = logits(model, data.test, preset("digits")); histogram(l.positive, l.negative, names: ["positive", "negative"])"#
            )
        ) { args in
            let model = try args.model("model")
            let data = try args.images("data").labeled
            let loader = try ViewLoader(
                images: data.images, batchSize: min(data.count, 256), pipelines: try views(args),
                seed: args.interpreter.nextGenerator("logits"))
            let batch = try loader.batch(epoch: 0, index: 0, order: loader.order(epoch: 0))
            let (positive, negative) = try model.moco.contrastiveLogits(batch.views[0], batch.views[1])
            return .record(Record([("positive", .tensor(positive)), ("negative", .tensor(negative))]))
        },
        Builtin(
            "uniformity", [.required("model"), .required("data"), .optional("t", .number(2)), .optional("transform")],
            doc: Doc(
                """
                Uniformity (Wang & Isola): log of the mean of exp(-t |f(x) - f(y)|^2) over pairs of normalised head \
                features of up to 1,024 images, through the model's evaluation transform (lower is better).
                """,
                example: "uniformity(model, data.test)")
        ) { args in
            let model = try args.model("model")
            let data = try args.images("data").labeled
            let images = try model.evaluationImages(
                try data.images.indexSelect(axis: 0, Array(0..<min(data.count, 1024))),
                try evaluation(args))
            let f = try normalizedFeatures(model.moco.query, images, source: .head)
            return .number(Double(try RepresentationMetrics.uniformity(f, t: Float(try args.number("t")))))
        },
        loadRun, ExportBuiltins.exportTorch, ExportBuiltins.loadLog
    ]
}

/// Where a training run stands, after each step (for a redrawn status line).
public struct TrainingStatus: Sendable {
    public let epoch, epochs, step, steps: Int
    public let loss: Double
    /// The last monitored kNN accuracy, if any.
    public let knn: Double?
    public let imagesPerSecond: Double
    /// Estimated time to the end of this `train` call.
    public let secondsLeft: Double
}

/// Runs epochs of a run with progress lines, interruption and divergence handling.
enum Training {
    /// Trains, or, while a notebook replays a cached cell, restores the checkpoint its original
    /// run left (see `CallMemo`).
    static func train(_ run: RunValue, epochs: Int, quiet: Bool, interpreter interp: Interpreter, at loc: Loc) throws {
        if case .checkpoint(let url, let interrupted)? = interp.memo?.recall("train") {
            do {
                let trainer = try run.live(for: "train", at: loc).trainer
                let recipe = try Checkpoint.load(into: trainer, online: run.online, from: url)
                run.interrupted = interrupted
                run.restoreDiagnostics(from: recipe)
                return
            } catch {
                // Refused before anything changed: the run trains as if the cell were not cached.
                interp.warn("cache: the saved training state is refused (\(error)); training again")
            }
        }
        try trainLive(run, epochs: epochs, quiet: quiet, interpreter: interp, at: loc)
        if let memo = interp.memo, let url = memo.newFile("train", extension: "safetensors") {
            try Checkpoint.save(
                try run.live(for: "train", at: loc).trainer, online: run.online, recipe: try run.recipe(interp), to: url
            )
            memo.record("train", .checkpoint(url, interrupted: run.interrupted))
        }
    }

    /// Reports a stopped training call: a cancellation as a progress line saying how to go on (and returns), a
    /// divergence as a located error naming the step and the last good one.
    static func report(
        _ stop: TrainingStopped, steps: Int, activity: String, state: String, resume: String, subject: String,
        lastGood: (loss: Float, lr: Float)?, interpreter interp: Interpreter, at loc: Loc
    ) throws {
        let epoch = stop.step / max(steps, 1) + 1
        let step = stop.step % max(steps, 1) + 1
        guard stop.reason != .cancelled else {
            interp.progress(
                "interrupted at epoch \(epoch), step \(step) of \(steps): \(state) are consistent; \(resume) finishes this epoch and goes on"
            )
            return
        }
        throw ScriptError(
            .runtime, "\(activity) diverged at epoch \(epoch), step \(step): \(stop.reason)", at: loc,
            notes: [
                "\(subject) is as it was before that step; lower the learning rate or check the data",
                lastGood.map { "last good step: loss \(String(format: "%.4f", $0.loss)), lr \($0.lr)" }
                    ?? "no step succeeded"
            ])
    }

    private static func trainLive(
        _ run: RunValue, epochs: Int, quiet: Bool, interpreter interp: Interpreter, at loc: Loc
    ) throws {
        let (trainer, data, optimizer) = try run.live(for: "train", at: loc)
        let failure = FailureBox()
        trainer.lr = optimizer.lr.engine(epochs: run.plannedEpochs, failure: failure)
        trainer.momentum = run.model.momentum.engine(epochs: run.plannedEpochs, failure: failure)
        run.interrupted = false
        let monitor = try run.monitor.map {
            KNNMonitor(
                train: try TrainingBuiltins.evaluated(data.labeled, run.model, $0.transform),
                test: try TrainingBuiltins.evaluated($0.test.labeled, run.model, $0.transform),
                classifier: try KNNClassifier(k: $0.k, t: Float($0.t)), source: $0.source)
        }
        let steps = trainer.loader.batchesPerEpoch
        for epochIndex in 0..<epochs {
            let start = Date()
            do {
                try trainer.train(epochs: 1, monitor: monitor, online: run.online) { p in
                    if interp.takeInterrupt() { trainer.cancelRequested = true }
                    if !quiet, let report = interp.stepProgress {
                        let done = Double(p.step + 1)
                        let elapsed = Date().timeIntervalSince(start)
                        let rate = done * Double(trainer.loader.batchSize) / max(elapsed, 1e-9)
                        let remaining = Double(epochs - 1 - epochIndex) * Double(steps) + Double(steps) - done
                        report(
                            TrainingStatus(
                                epoch: p.epoch + 1, epochs: run.plannedEpochs, step: p.step + 1, steps: steps,
                                loss: Double(p.metrics.loss), knn: trainer.knnHistory.last?.accuracy,
                                imagesPerSecond: rate, secondsLeft: remaining * elapsed / done))
                    }
                }
            } catch let stop as TrainingStopped {
                if let e = failure.error { throw e }
                try report(
                    stop, steps: steps, activity: "training", state: "model, queue, optimizer and history",
                    resume: "run.resume()", subject: "the model", lastGood: stop.lastGood.map { ($0.loss, $0.lr) },
                    interpreter: interp, at: loc)
                run.interrupted = true
                return
            }
            if let e = failure.error { throw e }
            if let probe = run.diagnosticsProbe {
                run.diagnostics.append(try probe.measure(run.model.moco.query, epoch: trainer.epoch))
            }
            if !quiet {
                let h = trainer.history.suffix(steps)
                let loss = h.map { Double($0.loss) }.reduce(0, +) / Double(max(h.count, 1))
                let top1 = h.map { Double($0.top1) }.reduce(0, +) / Double(max(h.count, 1))
                var line = String(
                    format: "epoch %d/%d  loss %.4f  top-1 %.1f%%  lr %.4g  m %.4g", trainer.epoch, run.plannedEpochs,
                    loss, top1 * 100,
                    Double(h.last?.lr ?? 0), Double(h.last?.momentum ?? 0))
                if let knn = trainer.knnHistory.last, knn.epoch == trainer.epoch {
                    line += String(format: "  kNN %.2f%%", knn.accuracy * 100)
                }
                if let online = run.online?.history.last, online.epoch == trainer.epoch {
                    line += String(format: "  online %.1f%%", online.accuracy * 100)
                }
                if let d = run.diagnostics.last, d.epoch == trainer.epoch {
                    line += String(format: "  rank %.1f  std %.3f", d.rankMe, d.featureStd)
                }
                interp.trainingLog?(line)
                line += String(
                    format: "  %.0f img/s",
                    Double(steps * trainer.loader.batchSize) / max(Date().timeIntervalSince(start), 1e-9))
                interp.progress(line)
            }
        }
    }
}
