import Foundation
import MocoNN
import MocoTensor

/// The whole training state of a `MoCoTrainer` in one safetensors file, written atomically:
/// both encoders with their heads (`query.*`, `key.*`, torchvision names below), the v3
/// predictor (`predictor.*`), the queue and its pointer (v1/v2), the optimizer's buffers (`optimizer.*`), the epoch, the data and
/// shuffle-BN generators, every step's metrics and the kNN history, plus the caller's recipe in the
/// metadata. The data order depends only on the epoch, so restoring these continues the
/// run exactly: 2 epochs, save, load into a freshly built trainer, 2 more epochs gives the
/// same bits as 4 epochs straight.
///
/// The file carries a SHA-256 of its tensors (`SafeTensors`' checksum), and every field is
/// checked on load (epochs against the plan, generator states, queue width and size, finite
/// running statistics, kNN history) before anything in the trainer changes.
public enum Checkpoint {
    static let format = "moco-checkpoint-1"
    /// The recipe key of the planned number of epochs, checked on load (whole, at least the
    /// epochs done, at most `MoCoTrainer.maxEpochs`).
    public static let plannedEpochsKey = "planned_epochs"

    /// Saves `trainer`'s state, and `online`'s when given, with `recipe` (free-form settings to rebuild it) to `url`.
    public static func save(
        _ trainer: MoCoTrainer, online: OnlineClassifier? = nil, recipe: [String: String] = [:], to url: URL
    ) throws {
        let model = trainer.model
        var state: StateDict = []
        state += model.query.stateDict().map { ("query." + $0.name, $0.tensor) }
        state += model.key.stateDict().map { ("key." + $0.name, $0.tensor) }
        if let predictor = model.predictor {
            state += predictor.stateDict().map { ("predictor." + $0.name, $0.tensor) }
        }
        if let queue = model.queue {
            state.append(("queue.keys", .float(queue.keys)))
            state.append(("queue.position", .int64([Int64(queue.pointer), Int64(queue.filled)], shape: [2])))
        }
        for (name, t) in trainer.optimizer.state().sorted(by: { $0.key < $1.key }) {
            state.append(("optimizer." + name, .float(t)))
        }
        state.append(("trainer.epoch", .int64([Int64(trainer.epoch)], shape: [])))
        state.append(("rng.shuffle_bn", CheckpointFile.entry(model.shuffleRNG)))
        state.append(("rng.data", CheckpointFile.entry(trainer.loader.seed)))
        let h = trainer.history
        for (name, values) in [
            ("loss", h.map(\.loss)), ("top1", h.map(\.top1)), ("positive", h.map(\.positive)),
            ("negative", h.map(\.negative)), ("lr", h.map(\.lr)), ("momentum", h.map(\.momentum)),
            ("queue_fill", h.map(\.queueFill))
        ] {
            state.append(("history." + name, .float(Tensor(values))))
        }
        state.append(
            ("knn.epoch", .int64(trainer.knnHistory.map { Int64($0.epoch) }, shape: [trainer.knnHistory.count])))
        state.append(("knn.accuracy", .float(Tensor(trainer.knnHistory.map { Float($0.accuracy) }))))
        // The accuracies exactly (float64 bit patterns), so a restored history equals the original.
        state.append(("knn.accuracy_f64", CheckpointFile.entry(trainer.knnHistory.map(\.accuracy))))
        state += online?.saved() ?? []
        try CheckpointFile.write(state, format: format, recipe: recipe, to: url)
    }

    /// A checkpoint's contents once every field is checked on its own: what `load` restores into a trainer, and what
    /// `restore(_:into:)` puts into a model without one (the script's `load_run`).
    public struct Contents {
        /// The file's name, for refusals.
        public let file: String
        public let epoch: Int
        public let history: [StepMetrics]
        public let knnHistory: [(epoch: Int, accuracy: Double)]
        /// The caller's recipe saved with it.
        public let recipe: [String: String]
        let shuffleRNG: RandomGenerator
        let dataRNG: RandomGenerator
        let queueKeys: Tensor?
        let queuePosition: [Int64]?
        let modules: [String: StateDict]
        let optimizer: [String: Tensor]
        /// The file, for the online classifier's entries.
        let entries: CheckpointFile
        /// The arithmetic the file was written under (`Arithmetic.description`), when it names one.
        public var arithmetic: String? { entries.arithmetic }
        /// The online classifier's accuracy per epoch, when the run had one (and it checks out).
        public var onlineHistory: [(epoch: Int, accuracy: Double)]? { try? OnlineClassifier.history(in: entries) }

        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(file: file, reason: reason) }
    }

    /// Reads and checks a run's checkpoint without a model to check it against, reading the file once: moco's own
    /// (format, checksum, epochs against the plan, generator states, histories, finite queue) or an exported
    /// `train.py`'s (`TorchCheckpoint`, with the per-epoch log that `log` names, asked for only then).
    public static func read(_ url: URL, torchLog log: () throws -> URL?) throws -> Contents {
        let f = try CheckpointFile(url)
        if f.metadata["format"] == TorchCheckpoint.format { return try TorchCheckpoint.read(f, log: try log()) }
        try f.check(format: format, kind: kind)
        return try contents(of: f)
    }

    private static let kind = "moco checkpoint"

    /// The checked contents of a moco checkpoint `f` (its format and checksum checked).
    private static func contents(of f: CheckpointFile) throws -> Contents {
        let epochs = try f.ints("trainer.epoch")
        guard epochs.count == 1 else { throw f.fail("trainer.epoch holds \(epochs.count) values, not one") }
        let epoch = epochs[0]
        guard (0...Int64(MoCoTrainer.maxEpochs)).contains(epoch) else {
            throw f.fail("trainer.epoch \(epoch) is outside 0...\(MoCoTrainer.maxEpochs)")
        }
        if let text = f.metadata[plannedEpochsKey] {
            guard let planned = Int64(text), (0...Int64(MoCoTrainer.maxEpochs)).contains(planned) else {
                throw f.fail("\(plannedEpochsKey) \"\(text)\" is not a whole number in 0...\(MoCoTrainer.maxEpochs)")
            }
            guard epoch <= planned else { throw f.fail("trainer.epoch \(epoch) is past the \(planned) planned epochs") }
        }
        var keys: Tensor?
        var position: [Int64]?
        if f.byName["queue.keys"] != nil {
            let k = try f.float("queue.keys")
            guard k.rank == 2 else { throw f.fail("queue.keys of shape \(k.shape) is not [width, size]") }
            guard k.scalars.allSatisfy(\.isFinite) else { throw f.fail("queue.keys hold NaN or infinite values") }
            (keys, position) = (k, try f.ints("queue.position"))
        }
        let names = ["loss", "top1", "positive", "negative", "lr", "momentum", "queue_fill"]
        let columns = try names.map { try f.float("history." + $0).scalars }
        guard Set(columns.map(\.count)).count == 1 else { throw f.fail("history columns differ in length") }
        let knnEpochs = try f.ints("knn.epoch")
        let knnAccuracy =
            f.byName["knn.accuracy_f64"] != nil
            ? try f.doubles("knn.accuracy_f64")
            : try f.float("knn.accuracy").scalars.map(Double.init)
        guard knnEpochs.count == knnAccuracy.count else { throw f.fail("kNN history columns differ in length") }
        guard knnEpochs.allSatisfy({ (0...epoch).contains($0) }) else {
            throw f.fail("knn.epoch names epochs past \(epoch)")
        }
        guard knnAccuracy.allSatisfy({ (0...1).contains($0) }) else {
            throw f.fail("knn.accuracy holds values outside 0...1")
        }
        return Contents(
            file: f.file, epoch: Int(epoch),
            history: (0..<columns[0].count).map { i in
                StepMetrics(
                    loss: columns[0][i], top1: columns[1][i], positive: columns[2][i], negative: columns[3][i],
                    lr: columns[4][i], momentum: columns[5][i], queueFill: columns[6][i])
            },
            knnHistory: zip(knnEpochs, knnAccuracy).map { (Int($0), $1) }, recipe: f.recipe,
            shuffleRNG: try f.generator("rng.shuffle_bn"), dataRNG: try f.generator("rng.data"), queueKeys: keys,
            queuePosition: position,
            modules: Dictionary(uniqueKeysWithValues: ["query.", "key.", "predictor."].map { ($0, f.section($0)) }),
            optimizer: f.floatSection("optimizer."), entries: f)
    }

    /// Restores a checkpoint into `trainer`, which must be built with the same recipe
    /// (architecture, queue size, optimizer), and into `online` when the file has its state (else `online` stays as
    /// it is). Returns the recipe stored with it. Nothing is changed when the file is refused. `warn` hears when the
    /// file was written under other arithmetic than this process runs (`Arithmetic.continuationNote`).
    @discardableResult
    public static func load(
        into trainer: MoCoTrainer, online: OnlineClassifier? = nil, from url: URL, warn: (String) -> Void = { _ in }
    ) throws -> [String: String] {
        let c = try contents(of: try CheckpointFile(url, format: format, kind: kind))
        let apply = try prepare(c, for: trainer.model)
        let restoreOnline =
            c.entries.byName["online.counts"] == nil ? nil : try online?.prepareRestore(c.entries)
        // The optimizer checks its state before taking it.
        do { try trainer.optimizer.load(state: c.optimizer) } catch let e as any OperationError {
            throw c.fail(e.description)
        }
        try apply()
        try restoreOnline?()
        trainer.loader = trainer.loader.withSeed(c.dataRNG)
        trainer.epoch = c.epoch
        trainer.history = c.history
        trainer.knnHistory = c.knnHistory
        c.entries.noteArithmetic(warn)
        return c.recipe
    }

    /// Puts a checkpoint's encoders, predictor, queue and shuffle-BN generator into `model` (built with the same
    /// architecture and queue), leaving the optimizer state and the data generator aside. Nothing is changed when
    /// they are refused.
    public static func restore(_ contents: Contents, into model: MoCo) throws {
        try prepare(contents, for: model)()
    }

    /// Checks `c` against `model` and returns what puts it there: a mismatch is refused before anything changes.
    private static func prepare(_ c: Contents, for model: MoCo) throws -> () throws -> Void {
        var queue: KeyQueue? = nil
        if let current = model.queue {
            guard let keys = c.queueKeys, let position = c.queuePosition else {
                throw c.fail("missing float tensor queue.keys")
            }
            guard keys.shape[0] == current.dim else {
                throw c.fail("queue.keys of width \(keys.shape[0]), the model makes keys of width \(current.dim)")
            }
            guard keys.shape[1] == current.capacity else {
                throw c.fail("queue.keys hold \(keys.shape[1]) keys, the model's queue holds \(current.capacity)")
            }
            guard position.count == 2, (0..<Int64(current.capacity)).contains(position[0]),
                (0...Int64(current.capacity)).contains(position[1])
            else {
                throw c.fail(
                    "queue.position \(position) is not a pointer and fill within the queue of \(current.capacity)")
            }
            do {
                queue = try KeyQueue(keys: keys, pointer: Int(position[0]), filled: Int(position[1]))
            } catch { throw c.fail("queue: \(error)") }
        } else if c.queueKeys != nil {
            throw c.fail("a MoCo v1/v2 checkpoint (with a queue) for a v3 model")
        }
        // Trial loads into copies, so a mismatch leaves the model untouched.
        let modules =
            [("query.", model.query as any Module), ("key.", model.key)]
            + (model.predictor.map { [("predictor.", $0 as any Module)] } ?? [])
        for (prefix, module) in modules {
            do { try module.copy().loadStateDict(c.modules[prefix] ?? []) } catch let e as StateDictError {
                throw c.fail("\(prefix)*: \(e.message)")
            }
        }
        return {
            for (prefix, module) in modules { try module.loadStateDict(c.modules[prefix] ?? []) }
            model.queue = queue
            model.shuffleRNG = c.shuffleRNG
        }
    }

    /// The shuffle-BN generator's state of `model` (as saved in checkpoints).
    public static func shuffleState(of model: MoCo) -> [UInt64] { model.shuffleRNG.state }

    /// Writes the query encoder's backbone without its head (`fc.*`), with torchvision names,
    /// for fine-tuning elsewhere (`load_state_dict(..., strict=False)` leaves `fc` as built).
    public static func exportEncoder(_ encoder: any Encoder, to url: URL) throws {
        let backbone = encoder.stateDict().filter { !$0.name.hasPrefix("fc.") }
        try SafeTensors.write(
            backbone, metadata: ["format": "pt", "exported_by": "moco", "arithmetic": Arithmetic.description], to: url)
    }
}
