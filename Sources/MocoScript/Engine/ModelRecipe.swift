import Foundation
import Moco
import MocoData
import MocoNN

/// What a checkpoint records to rebuild its model without the script that made it (`load_run`): the arguments of
/// `moco(...)`, the momentum schedule as values, and the evaluation transform. Stored as JSON in the checkpoint's
/// metadata under `ModelRecipe.key`.
public struct ModelRecipe: Codable, Equatable {
    static let key = "model"
    /// Points at which the momentum schedule is recorded: t = i / (count - 1).
    static let momentumSamples = 1001

    public struct Encoder: Codable, Equatable {
        public var architecture: String
        public var channels: [Int]?
        public var depth: Int?
        public var width: Int?
        public var stem: String?
        public var inChannels: Int
    }

    /// One deterministic step of the evaluation transform.
    public enum Step: Codable, Equatable {
        case normalize(mean: [Float], std: [Float])
        case resize(Int)
    }

    public var version: Int
    public var encoder: Encoder
    public var dim: Int
    public var hidden: Int?
    public var queue: Int?
    public var temperature: Float
    public var symmetric: Bool
    public var splits: Int
    public var momentumName: String
    public var momentum: [Double]
    public var evaluation: [Step]?

    /// The recipe of `model`; its momentum schedule is evaluated at `momentumSamples` points.
    init(_ model: ModelValue) throws {
        let spec = model.spec
        switch spec.architecture {
        case .convnet(let channels):
            encoder = Encoder(architecture: "convnet", channels: channels, inChannels: spec.inputChannels)
        case .resnet(let depth, let width, let stem):
            encoder = Encoder(
                architecture: "resnet", depth: depth, width: width, stem: stem == .cifar ? "cifar" : "imagenet",
                inChannels: spec.inputChannels)
        }
        (version, dim, hidden, queue) = (model.version, model.dim, model.hidden, model.moco.queue?.capacity)
        (temperature, symmetric, splits) = (model.moco.temperature, model.moco.symmetric, model.splits)
        momentumName = model.momentum.name
        let n = Self.momentumSamples
        momentum = try (0..<n).map { try model.momentum.function(Double($0) / Double(n - 1)) }
        evaluation = try model.evaluation.map { pipeline in
            try pipeline.steps.map { step in
                switch step {
                case let s as Normalize: return .normalize(mean: s.mean, std: s.std)
                case let s as Resize: return .resize(s.size)
                default: throw ModelRecipeError("the evaluation transform holds \(step.description)")
                }
            }
        }
    }

    /// The recipe stored in a checkpoint's metadata, nil when it has none.
    static func decode(from metadata: [String: String]) throws -> ModelRecipe? {
        guard let json = metadata[key] else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(ModelRecipe.self, from: Data(json.utf8)) } catch {
            throw ModelRecipeError("the model recipe does not decode (\(error))")
        }
    }

    /// The recipe as JSON with snake-case keys in sorted order, so equal recipes give equal bytes.
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The model this recipe describes, freshly initialised from the interpreter's generator (a checkpoint's weights
    /// then replace the draws). Every field is checked as `moco(...)` checks its arguments.
    func build(_ interp: Interpreter) throws -> ModelValue {
        guard let variant = Variant(rawValue: version) else {
            throw ModelRecipeError("the model recipe records version \(version)")
        }
        let limit = 1...Limits.maxSize
        guard limit.contains(encoder.inChannels), limit.contains(dim), hidden.map(limit.contains) ?? true,
            queue.map(limit.contains) ?? true, (1...4096).contains(splits)
        else { throw ModelRecipeError("the model recipe records a size outside 1...\(Limits.maxSize)") }
        let architecture: EncoderSpec.Architecture
        switch (encoder.architecture, encoder.channels, encoder.depth, encoder.width, encoder.stem) {
        case ("convnet", let channels?, _, _, _) where !channels.isEmpty && channels.allSatisfy(limit.contains):
            architecture = .convnet(channels: channels)
        case ("resnet", _, let depth?, let width?, let stem?)
        where [18, 34].contains(depth) && limit.contains(width) && ["cifar", "imagenet"].contains(stem):
            architecture = .resnet(depth: depth, width: width, stem: stem == "cifar" ? .cifar : .imagenet)
        default:
            throw ModelRecipeError("the model recipe records an unknown encoder \(Value.quote(encoder.architecture))")
        }
        guard temperature > 0, temperature.isFinite else {
            throw ModelRecipeError("the model recipe records temperature \(temperature)")
        }
        guard momentum.count >= 2, momentum.allSatisfy({ (0...1).contains($0) }) else {
            throw ModelRecipeError("the model recipe records a momentum schedule outside [0, 1]")
        }
        let model = try ModelValue.make(
            variant: variant, spec: EncoderSpec(architecture: architecture, inputChannels: encoder.inChannels),
            dim: dim, hidden: hidden, queue: queue ?? 1, temperature: Double(temperature), symmetric: symmetric,
            splits: splits, momentum: tabulatedMomentum, interpreter: interp)
        model.evaluation = try evaluation.map { steps in
            Pipeline(
                try steps.map { step -> any Augmentation in
                    switch step {
                    case .normalize(let mean, let std): return try Normalize(mean: mean, std: std)
                    case .resize(let size): return Resize(size)
                    }
                })
        }
        return model
    }

    /// The recorded momentum as a schedule: exactly the constant when every value is the same, else linear between
    /// the recorded points.
    private var tabulatedMomentum: ScheduleValue {
        let values = momentum
        if values.allSatisfy({ $0 == values[0] }) { return .constant(values[0]) }
        let last = Double(values.count - 1)
        return ScheduleValue(name: "\(momentumName) (recorded)") { t in
            let x = min(max(t, 0), 1) * last
            let i = min(Int(x), values.count - 2)
            return values[i] + (values[i + 1] - values[i]) * (x - Double(i))
        }
    }
}

/// A model recipe that cannot be recorded or rebuilt, with the reason.
struct ModelRecipeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
