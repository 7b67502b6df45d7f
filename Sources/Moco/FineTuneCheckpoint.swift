import Foundation
import MocoNN
import MocoTensor

/// The whole state of a `FineTuner` in one safetensors file, written atomically with a checksum: the classifier
/// (`classifier.*`, torchvision names), both optimizers' buffers, the data generator, and every step's and epoch's
/// record. Batches depend
/// only on the epoch and their index, so restoring it into a tuner built the same way continues exactly.
public enum FineTuneCheckpoint {
    static let format = "moco-finetune-1"

    public static func save(_ tuner: FineTuner, recipe: [String: String] = [:], to url: URL) throws {
        var state: StateDict = tuner.classifier.stateDict().map { ("classifier." + $0.name, $0.tensor) }
        let optimizers =
            [("head", tuner.headOptimizer as any Optimizer)]
            + (tuner.backboneOptimizer.map { [("backbone", $0)] } ?? [])
        for (name, optimizer) in optimizers {
            for (key, t) in optimizer.state().sorted(by: { $0.key < $1.key }) {
                state.append(("optimizer.\(name).\(key)", .float(t)))
            }
        }
        state.append(("rng.data", CheckpointFile.entry(tuner.loader.seed)))
        let steps = tuner.steps
        state.append(("steps.loss", .float(Tensor(steps.map(\.loss)))))
        state.append(("steps.lr", .float(Tensor(steps.map(\.lr)))))
        state.append(("steps.correct", .int64(steps.map { Int64($0.correct) }, shape: [steps.count])))
        state.append(("steps.count", .int64(steps.map { Int64($0.count) }, shape: [steps.count])))
        let epochs = tuner.epochs
        state.append(("epochs.loss", CheckpointFile.entry(epochs.map(\.loss))))
        state.append(("epochs.train_accuracy", CheckpointFile.entry(epochs.map(\.trainAccuracy))))
        state.append(("epochs.test_accuracy", CheckpointFile.entry(epochs.map { $0.testAccuracy ?? .nan })))
        try CheckpointFile.write(state, format: format, recipe: recipe, to: url)
    }

    /// Restores a checkpoint into `tuner`, built the same way (architecture, classes, frozen or not). Returns the
    /// recipe saved with it. Nothing changes when the file is refused. `warn` hears when the file was written under
    /// other arithmetic than this process runs.
    @discardableResult
    public static func load(
        into tuner: FineTuner, from url: URL, warn: (String) -> Void = { _ in }
    ) throws -> [String: String] {
        let f = try CheckpointFile(url, format: format, kind: "moco fine-tuning checkpoint")
        func floats(_ n: String) throws -> [Float] { try f.float(n).scalars }
        let (loss, lr, correct, count) = (
            try floats("steps.loss"), try floats("steps.lr"), try f.ints("steps.correct"), try f.ints("steps.count")
        )
        guard Set([loss.count, lr.count, correct.count, count.count]).count == 1 else {
            throw f.fail("step columns differ in length")
        }
        guard zip(correct, count).allSatisfy({ $0 >= 0 && $1 > 0 && $0 <= $1 }) else {
            throw f.fail("a step counts more correct images than it has, or none")
        }
        let (eLoss, eTrain, eTest) = (
            try f.doubles("epochs.loss"), try f.doubles("epochs.train_accuracy"), try f.doubles("epochs.test_accuracy")
        )
        guard Set([eLoss.count, eTrain.count, eTest.count]).count == 1 else {
            throw f.fail("epoch columns differ in length")
        }
        let perEpoch = tuner.loader.batchesPerEpoch
        guard eLoss.count * perEpoch <= loss.count, loss.count <= (eLoss.count + 1) * perEpoch else {
            throw f.fail("\(loss.count) steps do not fit \(eLoss.count) epochs of \(perEpoch) steps")
        }
        guard eTrain.allSatisfy({ (0...1).contains($0) }), eTest.allSatisfy({ $0.isNaN || (0...1).contains($0) }) else {
            throw f.fail("an accuracy is outside 0...1")
        }
        let dataRNG = try f.generator("rng.data")
        // Trial loads, so a mismatch leaves the tuner untouched.
        let weights = f.section("classifier.")
        do { try tuner.classifier.encoder.copy().loadStateDict(weights) } catch let e as StateDictError {
            throw f.fail("classifier.*: \(e.message)")
        }
        do {
            try tuner.headOptimizer.load(state: f.floatSection("optimizer.head."))
            try tuner.backboneOptimizer?.load(state: f.floatSection("optimizer.backbone."))
        } catch let e as any OperationError {
            throw f.fail(e.description)
        }
        try tuner.classifier.encoder.loadStateDict(weights)
        tuner.loader = tuner.loader.withSeed(dataRNG)
        tuner.steps = (0..<loss.count).map {
            FineTuneStep(loss: loss[$0], correct: Int(correct[$0]), count: Int(count[$0]), lr: lr[$0])
        }
        tuner.epochs = (0..<eLoss.count).map {
            FineTuneEpoch(
                epoch: $0 + 1, loss: eLoss[$0], trainAccuracy: eTrain[$0],
                testAccuracy: eTest[$0].isNaN ? nil : eTest[$0])
        }
        f.noteArithmetic(warn)
        return f.recipe
    }
}
