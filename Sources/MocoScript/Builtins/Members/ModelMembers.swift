import Moco
import MocoNN

/// Members of encoders and MoCo models.
enum ModelMembers {
    private static let encoder = MemberBuilder<EncoderSpec>(unwrap: \.asEncoder)
    private static let model = MemberBuilder<ModelValue>(unwrap: \.asModel)

    static let encoders = MemberTable(
        type: "encoder",
        properties: [
            encoder.property("name", "The architecture, e.g. `convnet 32-64-128`.") { e, _ in .string(e.name) },
            encoder.property("in_channels", "The number of input channels.") { e, _ in .number(Double(e.inputChannels))
            }
        ], methods: [])

    static let models = MemberTable(
        type: "model",
        properties: [
            model.property("version", "The MoCo version, 1, 2 or 3.") { m, _ in .number(Double(m.version)) },
            model.settable(
                "queue",
                "The number of negatives in the queue (nil for v3); setting it resizes the queue, keeping the newest keys.",
                get: { m, _ in m.moco.queue.map { .number(Double($0.capacity)) } ?? .nil }, set: setQueue),
            model.settable(
                "momentum", "The key encoder's momentum, a schedule of training progress t.",
                get: { m, _ in .schedule(m.momentum) },
                set: { m, value, a in
                    m.momentum = try a.interpreter.schedule(from: value, what: "model.momentum", at: a.loc)
                        .limited(to: 0...1, what: "model.momentum", at: a.loc)
                }),
            model.settable(
                "temperature", "The softmax temperature of the contrastive loss.",
                get: { m, _ in Value.float(m.moco.temperature) },
                set: { m, value, a in
                    guard case .number(let x) = value else {
                        throw a.error("model.temperature must be a number, got \(value.typeName)")
                    }
                    guard x > 0, x.isFinite else {
                        throw a.error("model.temperature must be a positive finite number, got \(Value.format(x))")
                    }
                    m.moco.temperature = Float(x)
                }),
            model.settable(
                "symmetric", "Whether the loss is symmetrised over the two views (always true for v3).",
                get: { m, _ in .bool(m.moco.symmetric) },
                set: { m, value, a in
                    guard case .bool(let b) = value else {
                        throw a.error("model.symmetric must be true or false, got \(value.typeName)")
                    }
                    guard !m.moco.variant.hasPredictor else { throw a.error("MoCo v3's loss is always symmetric") }
                    m.moco.symmetric = b
                }),
            model.property("dim", "The dimension of the contrastive features.") { m, _ in .number(Double(m.dim)) },
            model.property("parameters", "The number of trainable parameters (query encoder, head and predictor).") {
                m, _ in
                .number(Double(m.moco.trainableParameters().reduce(0) { $0 + $1.value.count }))
            },
            model.property("encoder", "The encoder architecture it was built with.") { m, _ in .encoder(m.spec) },
            model.property("run", "The most recent training run on it, or nil.") { m, _ in
                m.lastRun.map { .run($0) } ?? .nil
            }
        ], methods: [features, save])

    private static func setQueue(_ m: ModelValue, _ value: Value, _ a: MemberAccess) throws {
        guard case .number(let x) = value else { throw a.error("model.queue must be a number, got \(value.typeName)") }
        guard let size = Value.whole(x), size >= 1, x < 1e9 else {
            throw a.error("model.queue must be a whole number >= 1, got \(Value.format(x))")
        }
        guard m.moco.queue != nil else { throw a.error("MoCo v3 has no queue") }
        var rng = a.interpreter.nextGenerator("queue-resize")
        try m.moco.resizeQueue(to: size, using: &rng)
    }

    static let features = Builtin(
        "features",
        [
            .required("data"), .optional("source", .string("backbone")),
            .optional("normalize", .bool(false)), .optional("transform")
        ], on: "model",
        doc: Doc(
            """
            The query encoder's features of every image of `data` (eval mode, through the model's evaluation transform, no \
            augmentation), `[N, D]`: pooled backbone features, or after the head with `source: \"head\"`; L2-normalised \
            with `normalize: true`.
            """,
            example: "let f = model.features(data.test)")
    ) { args in
        guard case .model(let m)? = args.receiver else { throw args.error("needs a model") }
        let images = try m.evaluationImages(
            try args.images("data").labeled.images, try TrainingBuiltins.evaluation(args))
        let f = try m.features(images, source: try TrainingBuiltins.source(args))
        return .tensor(try args.bool("normalize") ? try f.l2Normalized(axis: 1) : f)
    }

    static let save = Builtin(
        "save", [.required("path")], on: "model",
        doc: Doc(
            """
            Writes the query encoder's backbone (no head) as safetensors with torchvision names, for fine-tuning elsewhere \
            (`load_state_dict(strict=False)`).
            """,
            example: #"model.save("encoder.safetensors")"#)
    ) { args in
        guard case .model(let m)? = args.receiver else { throw args.error("needs a model") }
        let url = try args.interpreter.writableURL(
            try args.string("path"), kind: .safetensors, builtin: "model.save", at: args.loc)
        try Checkpoint.exportEncoder(m.moco.query, to: url)
        args.interpreter.writtenFiles.append(url.path)
        return .string(url.path)
    }
}
