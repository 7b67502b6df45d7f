import Foundation
import MocoNN
import MocoTensor

/// A checkpoint written by an exported `train.py` (format `moco-torch-1`): `encoder_q.*` and `encoder_k.*` under
/// torchvision names, `predictor.*` (v3), `queue` `[dim, K]` and `queue_ptr`, the optimizer's state, the epoch, and
/// the model's recipe in the metadata. `Checkpoint.read` gives the same `Checkpoint.Contents` as moco's own
/// checkpoints, with one history row per epoch from the `log.jsonl` beside it when there is one.
public enum TorchCheckpoint {
    public static let format = "moco-torch-1"
    /// The file `train.py` writes in its output folder.
    public static let fileName = "checkpoint.safetensors"

    /// The contents of a `train.py` checkpoint `f` (its format checked by the caller, `Checkpoint.read`).
    static func read(_ f: CheckpointFile, log: URL?) throws -> Checkpoint.Contents {
        let (state, metadata) = (f.state, f.metadata)
        let epochs = try f.ints("epoch")
        guard epochs.count == 1, (0...Int64(MoCoTrainer.maxEpochs)).contains(epochs[0]) else {
            throw f.fail("epoch is not one number in 0...\(MoCoTrainer.maxEpochs)")
        }
        var keys: Tensor?
        var position: [Int64]?
        if f.byName["queue"] != nil {
            let k = try f.float("queue")
            guard k.rank == 2 else { throw f.fail("queue of shape \(k.shape) is not [dim, K]") }
            guard k.scalars.allSatisfy(\.isFinite) else { throw f.fail("queue holds NaN or infinite values") }
            let pointer = try f.ints("queue_ptr")
            guard pointer.count == 1 else { throw f.fail("queue_ptr holds \(pointer.count) values, not one") }
            // train.py's queue starts as normalised noise, as builder.py's: every slot counts as filled.
            (keys, position) = (k, [pointer[0], Int64(k.shape[1])])
        }
        let rows = try log.map(TrainingLog.read) ?? []
        let history = rows.map {
            StepMetrics(
                loss: Float($0.loss ?? .nan), top1: Float($0.top1 ?? .nan), positive: .nan, negative: .nan,
                lr: Float($0.lr ?? .nan), momentum: Float($0.m ?? .nan), queueFill: 1)
        }
        let knn = rows.compactMap { row in row.knn.map { (row.epoch, $0) } }
        func module(_ prefix: String) -> StateDict {
            state.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) }
        }
        var recipe = metadata
        recipe[Checkpoint.plannedEpochsKey] = nil
        if !rows.isEmpty { recipe["steps_per_epoch"] = "1" }
        return Checkpoint.Contents(
            file: f.file, epoch: Int(epochs[0]), history: history, knnHistory: knn, recipe: recipe,
            shuffleRNG: RandomGenerator(seed: 0), dataRNG: RandomGenerator(seed: 0), queueKeys: keys,
            queuePosition: position,
            modules: ["query.": module("encoder_q."), "key.": module("encoder_k."), "predictor.": module("predictor.")],
            optimizer: [:], entries: f)
    }
}
