import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// A classifier made by `finetune`: the network, its fine-tuning state (resumable), the evaluation transform its
/// images pass through, and its report on the held-out images.
public final class ClassifierValue {
    public let classifier: Classifier
    public let tuner: FineTuner
    /// What the backbone started from: `pre-trained MoCo v2`, `random weights`, `weights from FILE`.
    public let origin: String
    /// The images it was fine-tuned on (all of them; `tuner.labels` holds the labelled subset's labels).
    public let data: DataValue
    /// Held-out images, measured after each epoch and in `report`.
    public let test: DataValue?
    /// The deterministic part of its training views (`EvaluationTransform`), applied to every image it classifies.
    public let evaluation: Pipeline?
    public let lr: ScheduleValue
    public let backboneLR: ScheduleValue
    /// Epochs the schedules stretch over (grows when `resume` asks for more).
    public var plannedEpochs: Int
    /// True when the last call stopped early on a cancellation.
    public var interrupted = false
    /// The report on `test` after the last training call.
    public var report: ClassificationReport?

    init(
        classifier: Classifier, tuner: FineTuner, origin: String, data: DataValue, test: DataValue?,
        evaluation: Pipeline?, lr: ScheduleValue, backboneLR: ScheduleValue, plannedEpochs: Int
    ) {
        (self.classifier, self.tuner, self.origin, self.data, self.test, self.evaluation) = (
            classifier, tuner, origin, data, test, evaluation
        )
        (self.lr, self.backboneLR, self.plannedEpochs) = (lr, backboneLR, plannedEpochs)
    }

    /// `images` as the classifier sees them: through its evaluation transform.
    func evaluationImages(_ images: Tensor) throws -> Tensor {
        guard let evaluation else { return images }
        return try EvaluationTransform.apply(evaluation, to: images)
    }

    /// `data` with its images through the evaluation transform.
    func evaluated(_ data: LabeledImages) throws -> LabeledImages {
        LabeledImages(images: try evaluationImages(data.images), labels: data.labels, classes: data.classes)
    }

    /// The class probabilities of `images` `[N, classes]` (softmax of the logits).
    func probabilities(_ images: Tensor, cancel: () -> Bool = { false }) throws -> Tensor {
        try classifier.logits(try evaluationImages(images), cancel: cancel).softmax(axis: 1)
    }

    var summary: String {
        let labelled = tuner.labels.count
        var s =
            "classifier: \(classifier.classes.count) classes, \(origin)\(tuner.freeze ? " (frozen backbone)" : ""), "
            + "fine-tuned on \(labelled) labelled image\(labelled == 1 ? "" : "s") of \(data.name), "
            + "epoch \(tuner.epoch) of \(plannedEpochs)"
        if let report, let test {
            s += String(format: ", test accuracy %.2f%% on %@", report.accuracy * 100, test.name)
            if let top5 = report.top5 { s += String(format: " (top-5 %.2f%%)", top5 * 100) }
        }
        if interrupted { s += " (interrupted)" }
        s += "\n  evaluation transform: \(evaluation.map(\.description) ?? "none")"
        return s
    }

    /// A per-epoch history as a series.
    func epochSeries(_ name: String, _ value: (FineTuneEpoch) -> Double?) -> Series {
        let rows = tuner.epochs.compactMap { e in value(e).map { (Double(e.epoch), $0) } }
        return Series(name: name, xLabel: "epoch", x: rows.map(\.0), y: rows.map(\.1))
    }
}
