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
/// schedules. Runs can be resumed (after an interruption, or for more epochs). A run read by `load_run` has its
/// model and histories but no trainer: it is evaluated, plotted and fine-tuned, not continued.
public final class RunValue {
    public let model: ModelValue
    /// The trainer of a run made by `train`; nil for one read by `load_run`.
    public let trainer: MoCoTrainer?
    /// The images it trains on; nil for a run read by `load_run`.
    public let data: DataValue?
    public let monitor: MonitorSpec?
    /// The optimizer it trains with (its `lr` is the learning-rate schedule); nil for a run read by `load_run`.
    public let optimizer: OptimizerSpec?
    /// Epochs the schedules stretch over (grows when `resume` asks for more).
    public var plannedEpochs: Int
    /// True when the last call stopped early on a cancellation.
    public var interrupted = false
    /// The fixed input of the per-epoch diagnostics (`train(diagnostics:)`), and what they measured.
    public var diagnosticsProbe: DiagnosticsProbe?
    public var diagnostics: [Diagnostics] = []
    /// The online linear classifier of `train(online: true)`.
    public var online: OnlineClassifier?
    /// The checkpoint `load_run` read this run from, with what it recorded.
    let loaded: (file: String, contents: Checkpoint.Contents, dataName: String, stepsPerEpoch: Int)?

    init(
        model: ModelValue, trainer: MoCoTrainer, data: DataValue, monitor: MonitorSpec?, optimizer: OptimizerSpec,
        plannedEpochs: Int
    ) {
        (self.model, self.trainer, self.data, self.monitor, self.optimizer, self.plannedEpochs) =
            (model, trainer, data, monitor, optimizer, plannedEpochs)
        loaded = nil
    }

    /// A run read from checkpoint `file` by `load_run`, its model already restored.
    init(model: ModelValue, loaded contents: Checkpoint.Contents, file: String) {
        let recipe = contents.recipe
        (self.model, trainer, data, monitor, optimizer) = (model, nil, nil, nil, nil)
        let recorded = recipe[Self.stepsPerEpochKey].flatMap(Int.init) ?? 0
        let steps = recorded > 0 ? recorded : max(contents.history.count / max(contents.epoch, 1), 1)
        loaded = (file, contents, recipe[Self.dataKey] ?? "unknown data", steps)
        plannedEpochs = recipe[Checkpoint.plannedEpochsKey].flatMap(Int.init) ?? contents.epoch
        restoreDiagnostics(from: recipe)
    }

    /// Epochs trained.
    var epoch: Int { trainer?.epoch ?? loaded?.contents.epoch ?? 0 }
    /// Every step's metrics.
    var history: [StepMetrics] { trainer?.history ?? loaded?.contents.history ?? [] }
    /// The kNN monitor's accuracy after each monitored epoch.
    var knnHistory: [(epoch: Int, accuracy: Double)] { trainer?.knnHistory ?? loaded?.contents.knnHistory ?? [] }
    var stepsPerEpoch: Int { trainer?.loader.batchesPerEpoch ?? loaded?.stepsPerEpoch ?? 1 }
    var dataName: String { data?.name ?? loaded?.dataName ?? "unknown data" }

    /// The trainer, its data and optimizer, or the refusal of `what` for a run read by `load_run`.
    func live(for what: String, at loc: Loc) throws -> (trainer: MoCoTrainer, data: DataValue, optimizer: OptimizerSpec)
    {
        guard let trainer, let data, let optimizer else {
            let file = loaded?.file ?? "a checkpoint"
            throw ScriptError(
                .runtime, "\(what): this run was read by load_run from \(file), without its data and optimizer",
                at: loc,
                notes: [
                    "to go on from its weights, train(run.model, data, ...) starts a new run on them",
                    "to continue it exactly, build it with train(...) as before and call run.load(\(Value.quote(file)))"
                ])
        }
        return (trainer, data, optimizer)
    }

    var summary: String {
        var s = "run: MoCo v\(model.version) on \(dataName), epoch \(epoch) of \(plannedEpochs), \(history.count) steps"
        if let last = history.last {
            s += ", last loss \(Value.format(Double(String(format: "%.4f", last.loss))!))"
        }
        if let knn = knnHistory.last { s += ", kNN \(String(format: "%.2f", knn.accuracy * 100))%" }
        if interrupted { s += " (interrupted)" }
        if let loaded { s += " (read from \(loaded.file))" }
        s += "\n  evaluation transform: \(model.evaluation.map(\.description) ?? "none")"
        return s
    }

    /// What a checkpoint of this run records beside the trainer's state: the planned epochs, the diagnostics, and
    /// what `load_run` needs (the model's recipe, the data's name, the steps per epoch). The momentum schedule is
    /// evaluated at the recipe's points with `interp`'s output silenced, so a script function that prints does not
    /// print a thousand times.
    func recipe(_ interp: Interpreter) throws -> [String: String] {
        let output = interp.output
        interp.output = { _ in }
        defer { interp.output = output }
        var r = [
            Checkpoint.plannedEpochsKey: String(plannedEpochs), Self.dataKey: dataName,
            Self.stepsPerEpochKey: String(stepsPerEpoch), ModelRecipe.key: try ModelRecipe(model).encoded()
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if !diagnostics.isEmpty, let json = try? encoder.encode(diagnostics) {
            r[Self.diagnosticsKey] = String(decoding: json, as: UTF8.self)
        }
        return r
    }

    static let diagnosticsKey = "diagnostics"
    static let dataKey = "data"
    static let stepsPerEpochKey = "steps_per_epoch"

    /// Takes the diagnostics a checkpoint's recipe carries (none when it has none or they do not decode).
    func restoreDiagnostics(from recipe: [String: String]) {
        let epoch = self.epoch
        diagnostics =
            recipe[Self.diagnosticsKey].flatMap {
                try? JSONDecoder().decode([Diagnostics].self, from: Data($0.utf8))
            }?.filter { $0.epoch <= epoch } ?? []
    }

    /// A per-step history as a series over fractional epochs.
    func stepSeries(_ name: String, _ value: (StepMetrics) -> Float) -> Series {
        let steps = stepsPerEpoch
        let h = history
        return Series(
            name: name, xLabel: "epoch", x: h.indices.map { Double($0 + 1) / Double(steps) },
            y: h.map { Value.decimal(value($0)) })
    }
}
