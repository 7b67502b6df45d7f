import Foundation
import Moco
import MocoData

/// A kNN monitor: after each epoch, weighted kNN accuracy of the query encoder's features on
/// `test`, with the training images (unaugmented) as the memory bank.
public struct MonitorSpec {
    public let test: DataValue
    public let k: Int
    public let t: Double
    public let source: FeatureSource
    let transform: EvaluationChoice

    var summary: String {
        let images: String
        switch transform {
        case .recorded: images = "through the model's evaluation transform"
        case .raw: images = "images as they are"
        case .pipeline(let p): images = "through \(p.description)"
        }
        let features = source == .backbone ? "backbone" : "head"
        return
            "knn monitor on \(test.name) (\(test.count) images, k \(k), t \(Value.format(t)), \(features) features, \(images))"
    }
}

/// One training run: the trainer (model, optimizer state, loader, histories), its plan and
/// schedules. Runs can be resumed (after an interruption, or for more epochs).
public final class RunValue {
    public let model: ModelValue
    public let trainer: MoCoTrainer
    public let data: DataValue
    public let monitor: MonitorSpec?
    public let lr: ScheduleValue
    public let optimizer: OptimizerSpec
    /// Epochs the schedules stretch over (grows when `resume` asks for more).
    public var plannedEpochs: Int
    /// True when the last call stopped early on a cancellation.
    public var interrupted = false
    /// The fixed input of the per-epoch diagnostics (`train(diagnostics:)`), and what they measured.
    public var diagnosticsProbe: DiagnosticsProbe?
    public var diagnostics: [Diagnostics] = []
    /// The online linear classifier of `train(online: true)`.
    public var online: OnlineClassifier?

    init(
        model: ModelValue, trainer: MoCoTrainer, data: DataValue, monitor: MonitorSpec?, lr: ScheduleValue,
        optimizer: OptimizerSpec, plannedEpochs: Int
    ) {
        (self.model, self.trainer, self.data, self.monitor, self.lr, self.optimizer, self.plannedEpochs) =
            (model, trainer, data, monitor, lr, optimizer, plannedEpochs)
    }

    var summary: String {
        var s =
            "run: MoCo v\(model.version) on \(data.name), epoch \(trainer.epoch) of \(plannedEpochs), \(trainer.history.count) steps"
        if let last = trainer.history.last {
            s += ", last loss \(Value.format(Double(String(format: "%.4f", last.loss))!))"
        }
        if let knn = trainer.knnHistory.last { s += ", kNN \(String(format: "%.2f", knn.accuracy * 100))%" }
        if interrupted { s += " (interrupted)" }
        s += "\n  evaluation transform: \(model.evaluation.map(\.description) ?? "none")"
        return s
    }

    /// What a checkpoint of this run records beside the trainer's state: the planned epochs and the diagnostics.
    var recipe: [String: String] {
        var r = [Checkpoint.plannedEpochsKey: String(plannedEpochs)]
        if !diagnostics.isEmpty, let json = try? JSONEncoder().encode(diagnostics) {
            r[Self.diagnosticsKey] = String(decoding: json, as: UTF8.self)
        }
        return r
    }

    static let diagnosticsKey = "diagnostics"

    /// Takes the diagnostics a checkpoint's recipe carries (none when it has none or they do not decode).
    func restoreDiagnostics(from recipe: [String: String]) {
        diagnostics =
            recipe[Self.diagnosticsKey].flatMap {
                try? JSONDecoder().decode([Diagnostics].self, from: Data($0.utf8))
            }?.filter { $0.epoch <= trainer.epoch } ?? []
    }

    /// A per-step history as a series over fractional epochs.
    func stepSeries(_ name: String, _ value: (StepMetrics) -> Float) -> Series {
        let steps = trainer.loader.batchesPerEpoch
        let h = trainer.history
        return Series(
            name: name, xLabel: "epoch", x: h.indices.map { Double($0 + 1) / Double(steps) },
            y: h.map { Value.decimal(value($0)) })
    }
}
