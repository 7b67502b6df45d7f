import Foundation
import Moco
import MocoData

/// Every choice of one `train(...)` call, as the exported `recipe.json` holds it for `train.py`: the data and where
/// it comes from, both view pipelines, the model (`ModelRecipe`), the optimizer, the learning rate and momentum as
/// their values at every step (so a schedule that is a script function exports exactly), epochs, batch, seed and
/// the kNN monitor. Keys are snake case.
public struct TorchRecipe: Codable, Equatable {
    public static let format = "moco-recipe-1"
    /// The most schedule values a recipe holds (steps times epochs).
    public static let maxSteps = 5_000_000

    /// A dataset: its shape and classes, and the `DataOrigin` fields that say how to load it.
    public struct Data: Codable, Equatable {
        public var name: String
        public var count: Int
        public var shape: [Int]
        public var classes: [String]
        public var source: String
        public var path: String
        /// The digits' split file (the bundled digits only).
        public var split: String?
        public var part: String?
        public var size: Int?
        public var channels: Int?
        public var skipped: [String]?
        public var indices: [Int]?
    }

    public struct Optimizer: Codable, Equatable {
        public var kind: String
        public var lrName: String
        public var momentum: Double
        public var weightDecay: Double
        public var nesterov: Bool
        public var betas: [Double]
        public var trust: Double
    }

    /// The learning rate and momentum as values: `lr` at every step (`lr_update: "step"`) or `lr_epoch` for every
    /// epoch (`"epoch"`), and `momentum` at every step.
    public struct Schedules: Codable, Equatable {
        public var lrName: String
        public var lr: [Double]?
        public var lrEpoch: [Double]?
        public var momentumName: String
        public var momentum: [Double]
    }

    public struct Monitor: Codable, Equatable {
        public var test: Data
        public var k: Int
        public var t: Double
        public var source: String
        /// What test and bank images pass through before encoding.
        public var transform: [AugmentationStep]
    }

    public var format: String
    public var mocoVersion: String
    public var seed: UInt64
    public var data: Data
    public var views: [[AugmentationStep]]
    /// The model's evaluation transform (the deterministic part of the first view).
    public var evaluation: [AugmentationStep]
    public var model: ModelRecipe
    public var optimizer: Optimizer
    public var lrUpdate: String
    public var epochs: Int
    public var batch: Int
    public var stepsPerEpoch: Int
    public var schedule: Schedules
    public var monitor: Monitor?

    /// The recipe of training `model` on `data` as `train(...)` was asked to; the schedules are evaluated at every
    /// step of `epochs` epochs of `stepsPerEpoch` batches of `batch` images (a script function is called, silently,
    /// once per step).
    init(
        model: ModelValue, data: DataValue, views: [any Augmentation], optimizer: OptimizerSpec, lrUpdate: LRUpdate,
        epochs: Int, batch: Int, stepsPerEpoch: Int, monitor: MonitorSpec?, interpreter interp: Interpreter
    ) throws {
        let output = interp.output
        interp.output = { _ in }
        defer { interp.output = output }
        format = Self.format
        mocoVersion = MocoVersion.string
        seed = interp.seed
        self.data = try Self.data(data)
        self.views = try views.map(AugmentationStep.steps)
        evaluation = try model.evaluation.map(AugmentationStep.steps) ?? []
        self.model = try ModelRecipe(model)
        let o = optimizer
        self.optimizer = Optimizer(
            kind: o.kind.rawValue, lrName: o.lr.name, momentum: o.momentum, weightDecay: o.weightDecay,
            nesterov: o.nesterov, betas: [o.betas.0, o.betas.1], trust: o.trust)
        self.lrUpdate = lrUpdate == .perEpoch ? "epoch" : "step"
        (self.epochs, self.batch, self.stepsPerEpoch) = (epochs, batch, stepsPerEpoch)
        let total = epochs * stepsPerEpoch
        guard total <= Self.maxSteps else {
            throw ExportError("\(epochs) epochs of \(stepsPerEpoch) steps are more than \(Self.maxSteps) steps")
        }
        let failure = FailureBox()
        let lr = o.lr.engine(epochs: epochs, failure: failure)
        let m = model.momentum.engine(epochs: epochs, failure: failure)
        let steps = stepsPerEpoch
        func t(_ s: Int) -> Double { Double(s / steps) + Double(s % steps) / Double(steps) }
        let lrSteps = lrUpdate == .perStep ? (0..<total).map { lr.value(atEpoch: t($0)) } : nil
        let lrEpochs = lrUpdate == .perEpoch ? (0..<epochs).map { lr.value(atEpoch: Double($0 + 1)) } : nil
        let momentum = (0..<total).map { m.value(atEpoch: t($0)) }
        if let error = failure.error { throw error }
        schedule = Schedules(
            lrName: o.lr.name, lr: lrSteps, lrEpoch: lrEpochs, momentumName: model.momentum.name, momentum: momentum)
        self.monitor = try monitor.map { spec in
            let transform: [AugmentationStep]
            switch spec.transform {
            case .recorded: transform = evaluation
            case .raw: transform = []
            case .pipeline(let p): transform = try AugmentationStep.steps(of: p)
            }
            return Monitor(
                test: try Self.data(spec.test), k: spec.k, t: spec.t,
                source: spec.source == .backbone ? "backbone" : "head", transform: transform)
        }
    }

    /// `data` as a recipe names it; data built in memory has no origin and is refused.
    static func data(_ data: DataValue) throws -> Data {
        guard let o = data.origin else {
            throw ExportError("\(data.name) was built in memory: a recipe can only name data read by dataset(...)")
        }
        return Data(
            name: data.name, count: data.count, shape: data.imageShape, classes: data.classes, source: o.source,
            path: o.path, part: o.part, size: o.size, channels: o.channels, skipped: o.skipped, indices: o.indices)
    }

    /// The recipe as JSON: snake-case keys, sorted, indented (readable and diffable), each list of numbers or strings
    /// on one line.
    public func encoded() throws -> Foundation.Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(self), as: UTF8.self)
        let range = NSRange(text.startIndex..., in: text)
        var out = ""
        var last = text.startIndex
        for match in Self.scalarList.matches(in: text, range: range) {
            guard let r = Range(match.range, in: text) else { continue }
            out += text[last..<r.lowerBound]
            let items = text[r].dropFirst().dropLast().split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            out += "[" + items.joined(separator: " ") + "]"
            last = r.upperBound
        }
        out += text[last...]
        return Foundation.Data(out.utf8)
    }

    /// A pretty-printed list whose items are numbers, strings without escapes, booleans or null.
    private static let scalarList = try! NSRegularExpression(
        pattern: #"\[\n(?:[ ]*(?:-?[0-9][0-9.eE+-]*|"[^"\\\n]*"|true|false|null),?\n)+[ ]*\]"#)

    /// The recipe in a `recipe.json`.
    public static func read(_ url: URL) throws -> TorchRecipe {
        try decode(try Foundation.Data(contentsOf: url))
    }

    /// A recipe read back from `encoded()`'s JSON.
    public static func decode(_ json: Foundation.Data) throws -> TorchRecipe {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(TorchRecipe.self, from: json)
    }
}

/// A recipe that cannot be exported, with the reason.
public struct ExportError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
