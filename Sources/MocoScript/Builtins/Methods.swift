import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

extension Members {
    static func subset(on type: String) -> Builtin {
        Builtin("subset", [.required("n")], on: type, doc: Doc(
            "A seeded random subset of `n` images; on a split dataset, of its train part (the test part is kept).",
            example: "let small = data.subset(500)")) { args in
            guard case .data(let d)? = args.receiver else { throw args.error("needs a dataset") }
            let n = try args.int("n", min: 0)
            var rng = args.interpreter.nextGenerator("subset")
            if d.isSplit {
                return .data(DataValue(name: "\(d.name)[\(n)]", train: try d.train!.labeled.subset(n, seed: rng.next()), test: d.test!.labeled, files: d.files))
            }
            return .data(DataValue(name: "\(d.name)[\(n)]", images: try d.labeled.subset(n, seed: rng.next()), files: d.files))
        }
    }

    static let methodList: [Builtin] = [
        subset(on: "dataset"),
        subset(on: "images"),
        Builtin("split", [.required("test")], on: "images", doc: Doc(
            "A seeded random split into train and test parts; `test` is a fraction (< 1) or a number of images.",
            example: #"let data = dataset("folder", path: "shapes").split(test: 0.2)"#)) { args in
            guard case .data(let d)? = args.receiver else { throw args.error("needs images") }
            let t = try args.number("test")
            guard t >= 0, t.isFinite, t < 1 || Value.whole(t) != nil, t <= Double(d.count) else {
                throw args.error("'test' must be a fraction or a count up to \(d.count), got \(Value.format(t))")
            }
            let count = t < 1 ? Int((t * Double(d.count)).rounded()) : Int(t)
            guard count <= d.count else { throw args.error("'test' must be a fraction or a count up to \(d.count), got \(Value.format(t))") }
            var rng = args.interpreter.nextGenerator("split")
            let (train, test) = try d.labeled.split(testCount: count, seed: rng.next())
            return .data(DataValue(name: d.name, train: train, test: test, files: d.files))
        },
        Builtin("values", [.optional("steps", .number(100))], on: "schedule", doc: Doc(
            "The schedule sampled at `steps` + 1 evenly spaced points of progress t from 0 to 1, as a series.",
            example: "cosine(0.99, 1).values(steps: 10).last   # 1")) { args in
            guard case .schedule(let s)? = args.receiver else { throw args.error("needs a schedule") }
            let n = try args.size("steps", max: Limits.maxPlotSteps)
            let t = (0...n).map { Double($0) / Double(n) }
            return .series(Series(name: s.name, xLabel: "t", x: t, y: try t.map(s.function)))
        },
        Builtin("features", [.required("data"), .optional("source", .string("backbone")), .optional("normalize", .bool(false)),
                             .optional("transform")], on: "model", doc: Doc(
            "The query encoder's features of every image of `data` (eval mode, through the model's evaluation transform, no augmentation), `[N, D]`: pooled backbone features, or after the head with `source: \"head\"`; L2-normalised with `normalize: true`.",
            example: "let f = model.features(data.test)")) { args in
            guard case .model(let m)? = args.receiver else { throw args.error("needs a model") }
            let images = try m.evaluationImages(try args.images("data").labeled.images, try TrainingBuiltins.evaluation(args))
            let f = try m.features(images, source: try TrainingBuiltins.source(args))
            return .tensor(try args.bool("normalize") ? try f.l2Normalized(axis: 1) : f)
        },
        Builtin("save", [.required("path")], on: "model", doc: Doc(
            "Writes the query encoder's backbone (no head) as safetensors with torchvision names, for fine-tuning elsewhere (`load_state_dict(strict=False)`).",
            example: #"model.save("encoder.safetensors")"#)) { args in
            guard case .model(let m)? = args.receiver else { throw args.error("needs a model") }
            let url = try args.interpreter.writableURL(try args.string("path"), kind: .safetensors, builtin: "model.save", at: args.loc)
            try Checkpoint.exportEncoder(m.moco.query, to: url)
            args.interpreter.writtenFiles.append(url.path)
            return .string(url.path)
        },
        Builtin("resume", [.optional("epochs"), .optional("quiet", .bool(false))], on: "run", doc: Doc(
            "Continues training: without `epochs`, up to the planned number (after an interruption); with `epochs`, that many more (the schedules stretch over the longer plan).",
            example: "run.resume(epochs: 10)")) { args in
            guard case .run(let r)? = args.receiver else { throw args.error("needs a run") }
            var more = r.plannedEpochs - r.trainer.epoch
            if !args.isNil("epochs") {
                more = try args.int("epochs", min: 0, max: MoCoTrainer.maxEpochs - r.trainer.epoch)
                r.plannedEpochs = max(r.plannedEpochs, r.trainer.epoch + more)
            }
            try Training.train(r, epochs: more, quiet: try args.bool("quiet"), interpreter: args.interpreter, at: args.loc)
            return .run(r)
        },
        Builtin("save", [.required("path")], on: "run", doc: Doc(
            "Writes a checkpoint of the whole run (both encoders, queue, optimizer, generators, histories) atomically; `run.load` restores it exactly.",
            example: #"run.save("digits.ckpt.safetensors")"#)) { args in
            guard case .run(let r)? = args.receiver else { throw args.error("needs a run") }
            let url = try args.interpreter.writableURL(try args.string("path"), kind: .safetensors, builtin: "run.save", at: args.loc)
            let recipe = [Checkpoint.plannedEpochsKey: String(r.plannedEpochs), "version": String(r.model.version)]
            try Checkpoint.save(r.trainer, recipe: recipe, to: url)
            args.interpreter.writtenFiles.append(url.path)
            return .string(url.path)
        },
        Builtin("load", [.required("path")], on: "run", doc: Doc(
            "Restores a checkpoint written by `run.save` into this run (built with the same model and data settings); training then continues exactly as the saved run would have.",
            example: #"run.load("digits.ckpt.safetensors")"#)) { args in
            guard case .run(let r)? = args.receiver else { throw args.error("needs a run") }
            let recipe = try Checkpoint.load(into: r.trainer, from: try args.interpreter.readableURL(try args.string("path"), builtin: "run.load", at: args.loc))
            if let planned = recipe[Checkpoint.plannedEpochsKey].flatMap(Int.init) { r.plannedEpochs = planned }
            return .run(r)
        },
        Builtin("ema", [.optional("alpha", .number(0.9))], on: "series", doc: Doc(
            "The series smoothed by an exponential moving average, bias-corrected as TensorBoard does (`alpha` is the weight of the past).",
            example: "run.loss.ema(0.95)")) { args in
            guard case .series(let s)? = args.receiver else { throw args.error("needs a series") }
            let alpha = try args.number("alpha", in: 0...0.9999)
            var avg = 0.0, weight = 0.0
            let y = s.y.map { v -> Double in
                avg = alpha * avg + (1 - alpha) * v
                weight = alpha * weight + (1 - alpha)
                return avg / weight
            }
            return .series(Series(name: "\(s.name) (ema \(Value.format(alpha)))", xLabel: s.xLabel, x: s.x, y: y))
        },
    ]
}
