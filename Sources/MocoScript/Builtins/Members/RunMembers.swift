import Moco

/// Members of training runs and of what a run is configured with (optimizer, kNN monitor).
enum RunMembers {
    private static let run = MemberBuilder<RunValue>(unwrap: \.asRun)
    private static let optimizer = MemberBuilder<OptimizerSpec>(unwrap: \.asOptimizer)
    private static let monitor = MemberBuilder<MonitorSpec>(unwrap: \.asMonitor)

    static let optimizers = MemberTable(
        type: "optimizer",
        properties: [
            optimizer.property("kind", "`sgd`, `lars` or `adamw`.") { o, _ in .string(o.kind.rawValue) },
            optimizer.property("lr", "The learning rate, a schedule of training progress t.") { o, _ in .schedule(o.lr)
            }
        ], methods: [])

    static let monitors = MemberTable(
        type: "monitor",
        properties: [
            monitor.property("k", "The number of neighbours that vote.") { m, _ in .number(Double(m.k)) },
            monitor.property("t", "The temperature of the vote weights.") { m, _ in .number(m.t) }
        ], methods: [])

    /// A per-step series of the run's history, plotted against epochs.
    private static func steps(
        _ name: String, _ doc: String, _ label: String, _ value: @escaping @Sendable (StepMetrics) -> Float
    ) -> Member {
        run.property(name, doc) { r, _ in .series(r.stepSeries(label, value)) }
    }

    /// A per-epoch series of `train(diagnostics:)`, nil for a run without them.
    private static func diagnostic(
        _ name: String, _ doc: String, _ label: String, _ value: @escaping @Sendable (Diagnostics) -> Double
    ) -> Member {
        run.property(name, doc + " after each epoch, measured with `train(diagnostics:)` (nil without).") { r, _ in
            guard r.diagnosticsProbe != nil || !r.diagnostics.isEmpty else { return .nil }
            return .series(
                Series(
                    name: label, xLabel: "epoch", x: r.diagnostics.map { Double($0.epoch) }, y: r.diagnostics.map(value)
                ))
        }
    }

    static let runs = MemberTable(
        type: "run",
        properties: [
            steps("loss", "The contrastive loss of each step.", "loss") { $0.loss },
            steps("top1", "How often the positive key had the largest logit, per step.", "contrastive top-1") {
                $0.top1
            },
            steps("lr", "The learning rate of each step.", "lr") { $0.lr },
            steps("momentum", "The key encoder's momentum at each step.", "momentum") { $0.momentum },
            steps(
                "positive", "The mean cosine similarity of each query with its positive key, per step.",
                "positive logit"
            ) { $0.positive },
            steps(
                "negative", "The mean cosine similarity of the queries with the negatives, per step.", "negative logit"
            ) { $0.negative },
            steps("queue_fill", "The fraction of the queue filled with keys, per step.", "queue fill") { $0.queueFill },
            run.property("knn", "The kNN monitor's top-1 accuracy after each epoch.") { r, _ in
                let h = r.knnHistory
                return .series(
                    Series(name: "kNN top-1", xLabel: "epoch", x: h.map { Double($0.epoch) }, y: h.map(\.accuracy)))
            },
            diagnostic("rankme", "RankMe, the effective rank of the backbone features", "RankMe") { $0.rankMe },
            diagnostic(
                "feature_std", "The std of the normalised head features (collapse: near 0; spread: near 1/sqrt(d))",
                "feature std"
            ) { $0.featureStd },
            diagnostic("alignment", "The alignment of two views' normalised head features", "alignment") {
                $0.alignment
            },
            diagnostic("uniformity", "The uniformity of the normalised head features", "uniformity") {
                $0.uniformity
            },
            run.property(
                "online",
                "The online linear classifier's accuracy on each epoch's images, with `train(online: true)` (nil without)."
            ) { r, _ in
                (r.online?.history ?? r.loaded?.contents.onlineHistory).map { h in
                    .series(
                        Series(
                            name: "online accuracy", xLabel: "epoch", x: h.map { Double($0.epoch) },
                            y: h.map(\.accuracy)))
                } ?? .nil
            },
            run.property("epoch", "The number of epochs trained.") { r, _ in .number(Double(r.epoch)) },
            run.property("epochs", "The number of epochs planned.") { r, _ in .number(Double(r.plannedEpochs)) },
            run.property("steps", "The number of steps trained.") { r, _ in .number(Double(r.history.count)) },
            run.property("model", "The model it trains.") { r, _ in .model(r.model) },
            run.property("data", "The images it trains on (nil for a run read by `load_run`).") { r, _ in
                r.data.map { .data($0) } ?? .nil
            },
            run.property("interrupted", "Whether Ctrl-C stopped it before its planned epochs.") { r, _ in
                .bool(r.interrupted)
            }
        ], methods: [resume, save, load])

    static let resume = Builtin(
        "resume", [.optional("epochs"), .optional("quiet", .bool(false))], on: "run", mutates: ["self"],
        doc: Doc(
            """
            Continues training: without `epochs`, up to the planned number (after an interruption); with `epochs`, that \
            many more (the schedules stretch over the longer plan).
            """,
            example: "run.resume(epochs: 10)")
    ) { args in
        guard case .run(let r)? = args.receiver else { throw args.error("needs a run") }
        _ = try r.live(for: "run.resume", at: args.loc)
        var more = r.plannedEpochs - r.epoch
        if !(try args.isNil("epochs")) {
            more = try args.int("epochs", min: 0, max: MoCoTrainer.maxEpochs - r.epoch)
            r.plannedEpochs = max(r.plannedEpochs, r.epoch + more)
        }
        try Training.train(r, epochs: more, quiet: try args.bool("quiet"), interpreter: args.interpreter, at: args.loc)
        return .run(r)
    }

    static let save = Builtin(
        "save", [.required("path")], on: "run",
        doc: Doc(
            """
            Writes a checkpoint of the whole run (both encoders, queue, optimizer, generators, histories) atomically; \
            `run.load` restores it exactly.
            """,
            example: #"run.save("digits.ckpt.safetensors")"#)
    ) { args in
        guard case .run(let r)? = args.receiver else { throw args.error("needs a run") }
        let url = try args.interpreter.writableURL(
            try args.string("path"), kind: .safetensors, builtin: "run.save", at: args.loc)
        let trainer = try r.live(for: "run.save", at: args.loc).trainer
        var recipe = try r.recipe(args.interpreter)
        recipe["version"] = String(r.model.version)
        try Checkpoint.save(trainer, online: r.online, recipe: recipe, to: url)
        args.interpreter.writtenFiles.append(url.path)
        return .string(url.path)
    }

    static let load = Builtin(
        "load", [.required("path")], on: "run", mutates: ["self"],
        doc: Doc(
            """
            Restores a checkpoint written by `run.save` into this run (built with the same model and data settings); \
            training then continues exactly as the saved run would have.
            """,
            example: #"run.load("digits.ckpt.safetensors")"#)
    ) { args in
        guard case .run(let r)? = args.receiver else { throw args.error("needs a run") }
        let url = try args.interpreter.readableURL(try args.string("path"), builtin: "run.load", at: args.loc)
        let trainer = try r.live(for: "run.load", at: args.loc).trainer
        let recipe = try Checkpoint.load(into: trainer, online: r.online, from: url, warn: args.interpreter.warn)
        if let planned = recipe[Checkpoint.plannedEpochsKey].flatMap(Int.init) { r.plannedEpochs = planned }
        r.restoreDiagnostics(from: recipe)
        return .run(r)
    }
}
