import Foundation
import MocoData
import MocoNN
import MocoSupport
import MocoTensor

/// An image classifier: a backbone encoder whose head `fc` is one linear layer to the classes, as torchvision's
/// ResNet, so its state dict (`fc.weight`, `fc.bias` included) loads into the torchvision model of the same
/// architecture.
public final class Classifier {
    /// The backbone with its linear head `fc`.
    public let encoder: any Encoder
    /// Class names, indexed by label.
    public let classes: [String]

    /// Gives `backbone` a new linear head to `classes.count` outputs (PyTorch's default `Linear` init).
    public init(backbone: any Encoder, classes: [String], using rng: inout RandomGenerator) throws {
        guard classes.count >= 2 else {
            throw MoCoError("classifier", "needs at least 2 classes, got \(classes.count)")
        }
        backbone.fc = try Linear(backbone.featureDimension, classes.count, using: &rng)
        (encoder, self.classes) = (backbone, classes)
    }

    /// The linear head.
    public var head: any Module { encoder.fc }

    /// Parameters and buffers with torchvision names, the head's `fc.weight` and `fc.bias` included.
    public func stateDict() -> StateDict { encoder.stateDict() }

    /// The classifier as a safetensors file: its state dict with torchvision names, the class names (a JSON list) in
    /// the metadata.
    public func encoded() throws -> Data {
        let classes = String(decoding: try JSONEncoder().encode(classes), as: UTF8.self)
        return try SafeTensors.encode(
            stateDict(),
            metadata: [
                "format": "pt", "exported_by": "moco", "classes": classes, "arithmetic": Arithmetic.description
            ])
    }

    /// Writes `encoded()` to `url` atomically.
    public func save(to url: URL) throws { try AtomicFile.write(try encoded(), to: url) }

    /// The logits of `images` (already through the evaluation transform), `[N, classes]`, in eval mode without
    /// gradient; `cancel` is asked before each batch (`EvaluationInterrupted`).
    public func logits(_ images: Tensor, batch: Int = 512, cancel: () -> Bool = { false }) throws -> Tensor {
        let features = try backboneFeatures(encoder, images, batch: batch, cancel: cancel)
        return try encoder.inEvalMode { try withoutGrad { try encoder.fc(features) } }
    }

    /// Accuracy, top-5, per-class accuracy and the confusion matrix on `data` (images already through the
    /// evaluation transform).
    public func evaluate(_ data: LabeledImages, cancel: () -> Bool = { false }) throws -> ClassificationReport {
        try ClassificationReport(logits: logits(data.images, cancel: cancel), labels: data.labels, classes: classes)
    }
}

/// How a classifier does on labelled images.
public struct ClassificationReport: Sendable, Equatable {
    /// Class names, indexed by label.
    public let classes: [String]
    /// Top-1 accuracy (a fraction).
    public let accuracy: Double
    /// Top-5 accuracy, when there are more than 5 classes.
    public let top5: Double?
    /// Per class, the fraction of its images classified correctly (nil for a class without images).
    public let perClass: [Double?]
    /// `confusion[true][predicted]`: how many images of class `true` were predicted as `predicted`.
    public let confusion: [[Int]]

    /// The report of `logits` `[N, classes]` against `labels`.
    public init(logits: Tensor, labels: [Int], classes: [String]) throws {
        let k = classes.count
        guard logits.rank == 2, logits.shape[1] == k, logits.shape[0] == labels.count else {
            throw MoCoError(
                "classifier", "logits of shape \(logits.shape) do not fit \(labels.count) labels of \(k) classes")
        }
        guard labels.allSatisfy({ (0..<k).contains($0) }) else {
            throw MoCoError("classifier", "a label is outside the \(k) classes")
        }
        let values = logits.scalars
        let predicted = labels.isEmpty ? [] : try logits.argmax(axis: 1).scalars.map { Int($0) }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var inTop5 = 0
        for (i, label) in labels.enumerated() {
            confusion[label][predicted[i]] += 1
            // In the top 5 when fewer than 5 classes score higher than the label.
            let row = values[(i * k)..<((i + 1) * k)]
            if row.filter({ $0 > row[i * k + label] }).count < 5 { inTop5 += 1 }
        }
        let n = Double(max(labels.count, 1))
        self.classes = classes
        self.confusion = confusion
        accuracy = Double((0..<k).reduce(0) { $0 + confusion[$1][$1] }) / n
        top5 = k > 5 ? Double(inTop5) / n : nil
        perClass = (0..<k).map { c in
            let total = confusion[c].reduce(0, +)
            return total == 0 ? nil : Double(confusion[c][c]) / Double(total)
        }
    }
}
