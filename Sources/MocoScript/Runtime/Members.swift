import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// Members of values: `data.train`, `model.queue = 4096`, `run.resume(epochs: 5)`.
enum Members {
    /// Readable members per type, for docs and completion; `(settable)` marks assignable ones.
    static let propertyTypes: [(type: String, names: [String])] = [
        ("dataset", ["train", "test", "size", "classes", "shape", "name"]),
        ("images", ["size", "classes", "shape", "name", "labels", "images", "mean", "std"]),
        ("augmentation", ["steps"]),
        ("schedule", ["name"]),
        ("encoder", ["name", "in_channels"]),
        ("model", ["version", "queue (settable)", "momentum (settable)", "temperature (settable)", "symmetric (settable)", "dim",
                   "parameters", "encoder", "run"]),
        ("optimizer", ["kind", "lr"]),
        ("monitor", ["k", "t"]),
        ("run", ["loss", "top1", "lr", "momentum", "positive", "negative", "queue_fill", "knn", "epoch", "epochs", "steps",
                 "model", "data", "interrupted"]),
        ("series", ["name", "x", "values", "first", "last", "min", "max", "mean"]),
        ("tensor", ["shape", "rank", "count", "mean", "std", "min", "max", "sum", "norm", "row_norms", "values"]),
        ("embedding", ["points", "kl", "labels", "classes", "size"]),
        ("record", ["any field name"]),
    ]

    /// Names completion offers after `value.`.
    static func names(of value: Value) -> [String] {
        if case .record(let r) = value { return r.keys }
        let props = propertyTypes.first { $0.type == value.typeName }?.names.map { String($0.split(separator: " ")[0]) } ?? []
        return props + (BuiltinLibrary.methods[value.typeName]?.map(\.name) ?? [])
    }

    static func get(_ base: Value, _ name: String, interpreter: Interpreter, at loc: Loc) throws -> Value {
        if let v = try property(base, name, interpreter: interpreter, at: loc) { return v }
        if let m = BuiltinLibrary.methods[base.typeName]?.first(where: { $0.name == name }) { return .method(base, m) }
        if case .record(let r) = base {
            throw ScriptError(.runtime, "record has no field '\(name)'", at: loc,
                              notes: (Resolver.closest(to: name, in: r.keys).map { ["did you mean '\($0)'?"] } ?? []) + ["fields: \(r.keys.joined(separator: ", "))"])
        }
        let known = names(of: base)
        var notes: [String] = []
        if let s = Resolver.closest(to: name, in: known) { notes.append("did you mean '\(s)'?") }
        if !known.isEmpty { notes.append("\(base.typeName) members: \(known.joined(separator: ", "))") }
        throw ScriptError(.runtime, "\(base.typeName) has no member '\(name)'", at: loc, notes: notes)
    }

    private static func series(_ v: [Double]) -> Value { .list(v.map { .number($0) }) }

    private static func property(_ base: Value, _ name: String, interpreter: Interpreter, at loc: Loc) throws -> Value? {
        switch base {
        case .record(let r): return r[name]
        case .data(let d):
            switch name {
            case "train" where d.isSplit: return .data(d.train!)
            case "test" where d.isSplit: return .data(d.test!)
            case "train", "test": throw ScriptError(.runtime, "\(d.name) has no train/test split", at: loc, notes: ["split it: \(d.name).split(test: 0.2)"])
            case "size": return .number(Double(d.count))
            case "classes": return .list(d.classes.map { .string($0) })
            case "shape": return .list(d.imageShape.map { .number(Double($0)) })
            case "name": return .string(d.name)
            case "labels" where !d.isSplit: return .list(d.labeled.labels.map { .number(Double($0)) })
            case "images" where !d.isSplit: return .tensor(d.labeled.images)
            case "mean" where !d.isSplit: return series(try d.labeled.channelStatistics().mean.map(Double.init))
            case "std" where !d.isSplit: return series(try d.labeled.channelStatistics().std.map(Double.init))
            default: return nil
            }
        case .pipeline(let p) where name == "steps": return .list(p.steps.map { .string($0.description) })
        case .schedule(let s) where name == "name": return .string(s.name)
        case .encoder(let e):
            switch name {
            case "name": return .string(e.name)
            case "in_channels": return .number(Double(e.inputChannels))
            default: return nil
            }
        case .model(let m):
            switch name {
            case "version": return .number(Double(m.version))
            case "queue": return m.moco.queue.map { .number(Double($0.capacity)) } ?? .nil
            case "momentum": return .schedule(m.momentum)
            case "temperature": return Value.float(m.moco.temperature)
            case "symmetric": return .bool(m.moco.symmetric)
            case "dim": return .number(Double(m.dim))
            case "parameters": return .number(Double(m.moco.trainableParameters().reduce(0) { $0 + $1.value.count }))
            case "encoder": return .encoder(m.spec)
            case "run": return m.lastRun.map { .run($0) } ?? .nil
            default: return nil
            }
        case .optimizer(let o):
            switch name {
            case "kind": return .string(o.kind.rawValue)
            case "lr": return .schedule(o.lr)
            default: return nil
            }
        case .monitor(let m):
            switch name {
            case "k": return .number(Double(m.k))
            case "t": return .number(m.t)
            default: return nil
            }
        case .run(let r):
            switch name {
            case "loss": return .series(r.stepSeries("loss") { $0.loss })
            case "top1": return .series(r.stepSeries("contrastive top-1") { $0.top1 })
            case "lr": return .series(r.stepSeries("lr") { $0.lr })
            case "momentum": return .series(r.stepSeries("momentum") { $0.momentum })
            case "positive": return .series(r.stepSeries("positive logit") { $0.positive })
            case "negative": return .series(r.stepSeries("negative logit") { $0.negative })
            case "queue_fill": return .series(r.stepSeries("queue fill") { $0.queueFill })
            case "knn":
                let h = r.trainer.knnHistory
                return .series(Series(name: "kNN top-1", xLabel: "epoch", x: h.map { Double($0.epoch) }, y: h.map(\.accuracy)))
            case "epoch": return .number(Double(r.trainer.epoch))
            case "epochs": return .number(Double(r.plannedEpochs))
            case "steps": return .number(Double(r.trainer.history.count))
            case "model": return .model(r.model)
            case "data": return .data(r.data)
            case "interrupted": return .bool(r.interrupted)
            default: return nil
            }
        case .series(let s):
            switch name {
            case "name": return .string(s.name)
            case "x": return series(s.x)
            case "values": return series(s.y)
            case "first", "last", "min", "max", "mean":
                guard !s.y.isEmpty else { throw ScriptError(.runtime, "series \(s.name) is empty", at: loc) }
                switch name {
                case "first": return .number(s.y.first!)
                case "last": return .number(s.y.last!)
                case "min": return .number(s.y.min()!)
                case "max": return .number(s.y.max()!)
                default: return .number(s.y.reduce(0, +) / Double(s.y.count))
                }
            default: return nil
            }
        case .tensor(let t):
            switch name {
            case "shape": return series(t.shape.map(Double.init))
            case "rank": return .number(Double(t.rank))
            case "count": return .number(Double(t.count))
            case "values": return series(t.scalars.map(Double.init))
            case "sum": return .number(t.scalars.reduce(0.0) { $0 + Double($1) })
            case "norm": return .number(t.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            case "row_norms":
                guard t.rank == 2 else { throw ScriptError(.runtime, "row_norms needs a tensor [N, D], got shape \(t.shape)", at: loc) }
                let d = t.shape[1], x = t.scalars
                let norms = (0..<t.shape[0]).map { r in Float(x[(r * d)..<((r + 1) * d)].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()) }
                return .tensor(try Tensor(shape: [norms.count], scalars: norms))
            case "mean", "std", "min", "max":
                guard t.count > 0 else { throw ScriptError(.runtime, "the tensor is empty", at: loc) }
                let s = Value.statistics(t.scalars.map(Double.init))
                switch name {
                case "mean": return .number(s.mean)
                case "std": return .number(s.std)
                case "min": return .number(s.min)
                default: return .number(s.max)
                }
            default: return nil
            }
        case .embedding(let e):
            switch name {
            case "points": return .tensor(e.tensor)
            case "kl": return .number(e.divergence)
            case "labels": return e.labels.map { .list($0.map { .number(Double($0)) }) } ?? .nil
            case "classes": return .list(e.classes.map { .string($0) })
            case "size": return .number(Double(e.count))
            default: return nil
            }
        default: return nil
        }
    }

    static func set(_ base: Value, _ name: String, _ value: Value, interpreter: Interpreter, at loc: Loc) throws {
        guard case .model(let m) = base else {
            throw ScriptError(.runtime, "cannot set '\(name)' of \(base.typeName)", at: loc,
                              notes: ["settable members: model.queue, model.momentum, model.temperature, model.symmetric"])
        }
        switch (name, value) {
        case ("queue", .number(let x)):
            guard let size = Value.whole(x), size >= 1, x < 1e9 else {
                throw ScriptError(.runtime, "model.queue must be a whole number >= 1, got \(Value.format(x))", at: loc)
            }
            guard m.moco.queue != nil else { throw ScriptError(.runtime, "MoCo v3 has no queue", at: loc) }
            var rng = interpreter.nextGenerator("queue-resize")
            try m.moco.resizeQueue(to: size, using: &rng)
        case ("momentum", _):
            m.momentum = try interpreter.schedule(from: value, what: "model.momentum", at: loc)
                .limited(to: 0...1, what: "model.momentum", at: loc)
        case ("temperature", .number(let x)):
            guard x > 0, x.isFinite else {
                throw ScriptError(.runtime, "model.temperature must be a positive finite number, got \(Value.format(x))", at: loc)
            }
            m.moco.temperature = Float(x)
        case ("symmetric", .bool(let b)):
            guard !m.moco.variant.hasPredictor else { throw ScriptError(.runtime, "MoCo v3's loss is always symmetric", at: loc) }
            m.moco.symmetric = b
        case ("queue", _), ("temperature", _):
            throw ScriptError(.runtime, "model.\(name) must be a number, got \(value.typeName)", at: loc)
        case ("symmetric", _):
            throw ScriptError(.runtime, "model.symmetric must be true or false, got \(value.typeName)", at: loc)
        default:
            throw ScriptError(.runtime, "cannot set model.\(name)", at: loc,
                              notes: ["settable members: model.queue, model.momentum, model.temperature, model.symmetric"])
        }
    }
}
