import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// The small, fixed things the harnesses read against: a MoCo v2 run of a one-layer ConvNet
/// (checkpoints are loaded into it) and a valid IDX pair (one file of the pair is fuzzed).
enum SmallRun {
    /// The run checkpoints are loaded into. `nonisolated(unsafe)`: the fuzzing driver runs one input at a time
    /// on one thread, so this mutable trainer is never used by two threads.
    nonisolated(unsafe) static let trainer: MoCoTrainer? = try? build()

    static func build() throws -> MoCoTrainer {
        var rng = RandomGenerator(seed: 1)
        let encoder = try ConvNet(channels: [4], inputChannels: 1, classes: 8, using: &rng)
        let model = try MoCo(encoder: encoder, queueSize: 16, using: &rng)
        let views = try Presets.digits()
        let images = try Tensor(shape: [8, 1, 8, 8], scalars: (0..<512).map { Float($0 % 17) / 16 })
        let loader = try ViewLoader(images: images, batchSize: 4, pipelines: [views, views], seed: rng.stream("data"))
        return try MoCoTrainer(
            model: model, optimizer: try SGD(model.trainableParameters(), lr: 0.1, momentum: 0.9),
            loader: loader, lr: .constant(0.1), momentum: .constant(0.99))
    }

    /// Three 8x8 images and their labels in IDX layout.
    static let idxImagesBytes: [UInt8] =
        [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 8, 0, 0, 0, 8] + (0..<192).map { UInt8($0 % 256) }
    static let idxLabelsBytes: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 4]
    static let idxImages = Scratch.write(Data(idxImagesBytes), as: "images.idx")
    static let idxLabels = Scratch.write(Data(idxLabelsBytes), as: "labels.idx")
}
