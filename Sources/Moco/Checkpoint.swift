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
public enum Checkpoint {
    static let format = "moco-checkpoint-1"

    /// Saves `trainer`'s state with `recipe` (free-form settings to rebuild it) to `url`.
    public static func save(_ trainer: MoCoTrainer, recipe: [String: String] = [:], to url: URL) throws {
        let model = trainer.model
        var state: StateDict = []
        state += model.query.stateDict().map { ("query." + $0.name, $0.tensor) }
        state += model.key.stateDict().map { ("key." + $0.name, $0.tensor) }
        if let predictor = model.predictor { state += predictor.stateDict().map { ("predictor." + $0.name, $0.tensor) } }
        if let queue = model.queue {
            state.append(("queue.keys", .float(queue.keys)))
            state.append(("queue.position", .int64([Int64(queue.pointer), Int64(queue.filled)], shape: [2])))
        }
        for (name, t) in trainer.optimizer.state().sorted(by: { $0.key < $1.key }) { state.append(("optimizer." + name, .float(t))) }
        state.append(("trainer.epoch", .int64([Int64(trainer.epoch)], shape: [])))
        state.append(("rng.shuffle_bn", .int64(model.shuffleRNG.state.map { Int64(bitPattern: $0) }, shape: [7])))
        state.append(("rng.data", .int64(trainer.loader.seed.state.map { Int64(bitPattern: $0) }, shape: [7])))
        let h = trainer.history
        for (name, values) in [("loss", h.map(\.loss)), ("top1", h.map(\.top1)), ("positive", h.map(\.positive)),
                               ("negative", h.map(\.negative)), ("lr", h.map(\.lr)), ("momentum", h.map(\.momentum)),
                               ("queue_fill", h.map(\.queueFill))] {
            state.append(("history." + name, .float(Tensor(values))))
        }
        state.append(("knn.epoch", .int64(trainer.knnHistory.map { Int64($0.epoch) }, shape: [trainer.knnHistory.count])))
        state.append(("knn.accuracy", .float(Tensor(trainer.knnHistory.map { Float($0.accuracy) }))))
        // The accuracies exactly (float64 bit patterns), so a restored history equals the original.
        state.append(("knn.accuracy_f64", .int64(trainer.knnHistory.map { Int64(bitPattern: $0.accuracy.bitPattern) },
                                                 shape: [trainer.knnHistory.count])))
        var metadata = recipe
        metadata["format"] = format
        try SafeTensors.write(state, metadata: metadata, to: url)
    }

    /// Restores a checkpoint into `trainer`, which must be built with the same recipe
    /// (architecture, queue size, optimizer). Returns the recipe stored with it. Nothing is
    /// changed when the file is refused.
    @discardableResult
    public static func load(into trainer: MoCoTrainer, from url: URL) throws -> [String: String] {
        let file = url.lastPathComponent
        let (state, metadata) = try SafeTensors.read(url)
        guard metadata["format"] == format else {
            throw SafeTensorsError(file: file, reason: "not a moco checkpoint (format \(metadata["format"] ?? "missing"))")
        }
        let byName = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        func float(_ n: String) throws -> Tensor {
            guard case .float(let t)? = byName[n] else { throw SafeTensorsError(file: file, reason: "missing float tensor \(n)") }
            return t
        }
        func ints(_ n: String) throws -> [Int64] {
            guard case .int64(let v, _)? = byName[n] else { throw SafeTensorsError(file: file, reason: "missing integer tensor \(n)") }
            return v
        }
        func section(_ prefix: String) -> StateDict {
            state.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) }
        }
        // Validate everything before changing anything.
        let epoch = try ints("trainer.epoch")
        guard epoch.count == 1, epoch[0] >= 0,
              let rng = RandomGenerator(state: try ints("rng.shuffle_bn").map { UInt64(bitPattern: $0) }),
              let dataRNG = RandomGenerator(state: try ints("rng.data").map { UInt64(bitPattern: $0) }) else {
            throw SafeTensorsError(file: file, reason: "queue position, epoch or generator state is malformed")
        }
        var queue: KeyQueue? = nil
        if let current = trainer.model.queue {
            let position = try ints("queue.position")
            guard position.count == 2 else { throw SafeTensorsError(file: file, reason: "queue position is malformed") }
            let saved = try KeyQueue(keys: try float("queue.keys"), pointer: Int(position[0]), filled: Int(position[1]))
            guard saved.dim == current.dim else {
                throw SafeTensorsError(file: file, reason: "queue keys of width \(saved.dim), the model makes \(current.dim)")
            }
            queue = saved
        } else if byName["queue.keys"] != nil {
            throw SafeTensorsError(file: file, reason: "a MoCo v1/v2 checkpoint (with a queue) for a v3 model")
        }
        let names = ["loss", "top1", "positive", "negative", "lr", "momentum", "queue_fill"]
        let columns = try names.map { try float("history." + $0).scalars }
        guard Set(columns.map(\.count)).count == 1 else { throw SafeTensorsError(file: file, reason: "history columns differ in length") }
        let knnEpochs = try ints("knn.epoch")
        let knnAccuracy = byName["knn.accuracy_f64"] != nil
            ? try ints("knn.accuracy_f64").map { Double(bitPattern: UInt64(bitPattern: $0)) }
            : try float("knn.accuracy").scalars.map(Double.init)
        guard knnEpochs.count == knnAccuracy.count else { throw SafeTensorsError(file: file, reason: "kNN history columns differ in length") }
        // Trial loads into copies, so a mismatch leaves the trainer untouched; the optimizer
        // checks its state before taking it.
        try trainer.model.query.copy().loadStateDict(section("query."))
        try trainer.model.key.copy().loadStateDict(section("key."))
        try trainer.model.predictor?.copy().loadStateDict(section("predictor."))
        let optimizerState = Dictionary(section("optimizer.").compactMap { n, t -> (String, Tensor)? in
            if case .float(let x) = t { return (n, x) } else { return nil }
        }, uniquingKeysWith: { a, _ in a })
        try trainer.optimizer.load(state: optimizerState)
        try trainer.model.query.loadStateDict(section("query."))
        try trainer.model.key.loadStateDict(section("key."))
        try trainer.model.predictor?.loadStateDict(section("predictor."))
        trainer.model.queue = queue
        trainer.model.shuffleRNG = rng
        trainer.loader = trainer.loader.withSeed(dataRNG)
        trainer.epoch = Int(epoch[0])
        trainer.history = (0..<columns[0].count).map { i in
            StepMetrics(loss: columns[0][i], top1: columns[1][i], positive: columns[2][i], negative: columns[3][i],
                        lr: columns[4][i], momentum: columns[5][i], queueFill: columns[6][i])
        }
        trainer.knnHistory = zip(knnEpochs, knnAccuracy).map { (Int($0), $1) }
        return metadata.filter { $0.key != "format" }
    }

    /// The shuffle-BN generator's state of `model` (as saved in checkpoints).
    public static func shuffleState(of model: MoCo) -> [UInt64] { model.shuffleRNG.state }

    /// Writes the query encoder's backbone without its head (`fc.*`), with torchvision names,
    /// for fine-tuning elsewhere (`load_state_dict(..., strict=False)` leaves `fc` as built).
    public static func exportEncoder(_ encoder: any Encoder, to url: URL) throws {
        let backbone = encoder.stateDict().filter { !$0.name.hasPrefix("fc.") }
        try SafeTensors.write(backbone, metadata: ["format": "pt", "exported_by": "moco"], to: url)
    }
}
