import Moco
import MocoData
import MocoNN
import MocoTensor

/// Which images an evaluation encodes: through the model's recorded evaluation transform, as
/// they are, or through a pipeline given with `transform:`.
enum EvaluationChoice {
    case recorded, raw
    case pipeline(Pipeline)
}

/// An encoder architecture as a script describes it (`convnet([32, 64, 128])`); `moco(...)`
/// builds it with the normalisation MoCo needs and its own head.
public struct EncoderSpec {
    public enum Architecture {
        case convnet(channels: [Int])
        case resnet(depth: Int, width: Int, stem: ResNet.Stem)
    }
    public let architecture: Architecture
    public let inputChannels: Int
    /// Backbone weights to start from (`load_encoder`), with the file they came from.
    public var weights: (state: StateDict, file: String)?

    init(architecture: Architecture, inputChannels: Int, weights: (state: StateDict, file: String)? = nil) {
        (self.architecture, self.inputChannels, self.weights) = (architecture, inputChannels, weights)
    }

    /// The encoder, initialised from `rng`, then given `weights` when it has them (the head stays as drawn).
    func build(norm: NormKind, using rng: inout RandomGenerator) throws -> any Encoder {
        let encoder: any Encoder
        switch architecture {
        case .convnet(let channels):
            encoder = try ConvNet(
                channels: channels, inputChannels: inputChannels, classes: 10, norm: norm, using: &rng)
        case .resnet(let depth, let width, let stem):
            encoder = try ResNet(
                depth: depth, width: width, stem: stem, inputChannels: inputChannels, classes: 10, norm: norm,
                using: &rng)
        }
        if let weights { try BackboneWeights.load(weights.state, into: encoder) }
        return encoder
    }

    /// The same architecture without weights.
    var untrained: EncoderSpec { EncoderSpec(architecture: architecture, inputChannels: inputChannels) }

    var name: String {
        switch architecture {
        case .convnet(let c): return "convnet \(c.map(String.init).joined(separator: "-"))"
        case .resnet(let d, let w, let s): return "resnet\(d) width \(w), \(s == .cifar ? "cifar" : "imagenet") stem"
        }
    }

    var summary: String {
        "encoder \(name), \(inputChannels) input channel\(inputChannels == 1 ? "" : "s")"
            + (weights.map { ", weights from \($0.file)" } ?? "")
    }
}

/// A MoCo model (both encoders, heads, predictor, queue) with the momentum schedule that
/// training uses, and the last training run on it.
public final class ModelValue {
    public let moco: MoCo
    public let spec: EncoderSpec
    public let dim: Int
    /// The head's hidden width as `moco(hidden:)` gave it (nil: the default).
    public let hidden: Int?
    public let headDescription: String
    /// The v3 predictor's layers, e.g. `mlp 16-32-16`.
    public let predictorDescription: String?
    /// MoCo's key-encoder momentum as a function of progress.
    public var momentum: ScheduleValue
    /// The most recent run that trained this model (also after an interrupted or failed `train`).
    public weak var lastRun: RunValue?
    /// Splits of shuffle-BN emulation (1: off).
    public let splits: Int
    /// The deterministic part of the views it was last trained with (`EvaluationTransform`):
    /// what evaluations pass images through unless told otherwise. Nil before training.
    public var evaluation: Pipeline?

    init(
        moco: MoCo, spec: EncoderSpec, dim: Int, hidden: Int?, headDescription: String,
        predictorDescription: String? = nil, momentum: ScheduleValue, splits: Int
    ) {
        (self.moco, self.spec, self.dim, self.hidden, self.headDescription) = (moco, spec, dim, hidden, headDescription)
        (self.predictorDescription, self.momentum, self.splits) = (predictorDescription, momentum, splits)
    }

    /// The model `moco(...)` makes from checked arguments: the encoder with the normalisation MoCo needs (split batch
    /// norm over `splits` > 1) and the variant's head, initialised from the interpreter's generator.
    static func make(
        variant: Variant, spec: EncoderSpec, dim: Int, hidden: Int?, queue: Int, temperature: Double, symmetric: Bool,
        splits: Int, momentum: ScheduleValue, interpreter interp: Interpreter
    ) throws -> ModelValue {
        var initRNG = interp.nextGenerator("moco-init")
        let encoder = try spec.build(norm: splits > 1 ? .splitBatchNorm(splits: splits) : .batchNorm, using: &initRNG)
        let features = encoder.featureDimension
        var mocoRNG = interp.nextGenerator("moco")
        let head: String
        switch variant {
        case .v1:
            encoder.fc = try Heads.v1(features, dim: dim, using: &initRNG)
            head = "linear \(features)-\(dim)"
        case .v2:
            encoder.fc = try Heads.v2(features, hidden: hidden, dim: dim, using: &initRNG)
            head = "mlp \(features)-\(hidden ?? features)-\(dim)"
        case .v3:
            let h = hidden ?? 2 * max(features, dim)
            encoder.fc = try Heads.v3Projector(features, hidden: h, dim: dim, using: &initRNG)
            let predictor = try Heads.v3Predictor(dim, hidden: h, dim: dim, using: &initRNG)
            let model = try MoCo(
                v3Encoder: encoder, predictor: predictor, temperature: Float(temperature), using: &mocoRNG)
            return ModelValue(
                moco: model, spec: spec, dim: dim, hidden: hidden,
                headDescription: "projector \(features)-\(h)-\(h)-\(dim)",
                predictorDescription: "mlp \(dim)-\(h)-\(dim)", momentum: momentum, splits: 1)
        }
        let model = try MoCo(
            variant: variant, encoder: encoder, queueSize: queue, temperature: Float(temperature),
            symmetric: symmetric, shuffleKeys: splits > 1, using: &mocoRNG)
        return ModelValue(
            moco: model, spec: spec, dim: dim, hidden: hidden, headDescription: head, momentum: momentum, splits: splits
        )
    }

    /// The MoCo version: 1, 2 or 3.
    public var version: Int { moco.variant.rawValue }

    var summary: String {
        let q = moco.query
        let backbone = q.parameterCount - q.fc.parameterCount
        var lines = [
            "MoCo v\(version): "
                + [
                    moco.queue.map { "queue \($0.capacity)" } ?? "no queue",
                    "momentum \(momentum.name)", "temperature \(Value.float(moco.temperature).repr)",
                    moco.variant.usesQueue ? (splits > 1 ? "shuffle-BN over \(splits) splits" : "no shuffle-BN") : nil,
                    moco.symmetric && !moco.variant.hasPredictor ? "symmetric loss" : nil
                ].compactMap { $0 }.joined(separator: ", ")
        ]
        lines.append(
            "  encoder   \(spec.name), \(spec.inputChannels) input channel\(spec.inputChannels == 1 ? "" : "s"), \(q.featureDimension) features: \(backbone.grouped) parameters"
        )
        lines.append("  head      \(headDescription): \(q.fc.parameterCount.grouped) parameters")
        if let p = moco.predictor {
            lines.append("  predictor \(predictorDescription ?? "mlp"): \(p.parameterCount.grouped) parameters")
        }
        lines.append("  key encoder: momentum copy of encoder and head (not trained)")
        lines.append("  trainable parameters: \(moco.trainableParameters().reduce(0) { $0 + $1.value.count }.grouped)")
        lines.append("  evaluation transform: \(evaluation.map(\.description) ?? "none (not trained yet)")")
        return lines.joined(separator: "\n")
    }

    /// `images` as evaluations encode them: through `choice`'s transform (by default the one
    /// recorded from the training views).
    func evaluationImages(_ images: Tensor, _ choice: EvaluationChoice = .recorded) throws -> Tensor {
        let transform: Pipeline?
        switch choice {
        case .recorded: transform = evaluation
        case .raw: transform = nil
        case .pipeline(let p): transform = p
        }
        guard let transform else { return images }
        return try EvaluationTransform.apply(transform, to: images)
    }

    /// The query encoder's features of `images` (eval mode, no gradient): pooled backbone
    /// features, or the head's output.
    func features(_ images: Tensor, source: FeatureSource) throws -> Tensor {
        switch source {
        case .backbone:
            return try backboneFeatures(moco.query, images)
        case .head:
            let q = moco.query
            return try withoutGrad { try q.inEvalMode { try q.fc(try backboneFeatures(q, images)) } }
        }
    }
}

extension Int {
    /// `1,234,567`.
    var grouped: String {
        let s = String(abs(self))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}
