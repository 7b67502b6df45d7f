import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor
import Testing

@Suite("Checkpoints", .serialized)
struct CheckpointTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("moco-\(UUID())-\(name)")
    }

    /// 2 epochs, save, load into a freshly built trainer, 2 more epochs: the same bits as
    /// 4 epochs straight (weights, queue, optimizer state, metrics).
    @Test func resumeIsExact() throws {
        let straight = try TrainingTests().trainer(epochs: 4).0
        try straight.train(epochs: 4)

        let first = try TrainingTests().trainer(epochs: 4).0
        try first.train(epochs: 2)
        let url = temporaryURL("resume.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(first, recipe: ["recipe": "W1", "epochs": "4"], to: url)

        let resumed = try TrainingTests().trainer(epochs: 4, seed: 99).0  // different init: everything must come from the file
        let recipe = try Checkpoint.load(into: resumed, from: url)
        #expect(recipe == ["recipe": "W1", "epochs": "4"])
        #expect(resumed.epoch == 2 && resumed.history == first.history)
        try resumed.train(epochs: 2)

        let sameHistory = resumed.history == straight.history
        let sameQuery = zip(resumed.model.query.stateDict(), straight.model.query.stateDict()).allSatisfy { $0.tensor == $1.tensor }
        let sameKey = zip(resumed.model.key.stateDict(), straight.model.key.stateDict()).allSatisfy { $0.tensor == $1.tensor }
        let sameQueue = resumed.model.queue?.keys.scalars == straight.model.queue?.keys.scalars
        let (o1, o2) = (resumed.optimizer.state(), straight.optimizer.state())
        let sameOptimizer = o1.keys.sorted() == o2.keys.sorted() && o1.allSatisfy { k, v in o2[k]?.scalars == v.scalars }
        #expect(sameHistory && sameQuery && sameKey && sameQueue && sameOptimizer)
    }

    @Test func refusesDamagedOrForeignFiles() throws {
        let t = try TrainingTests().trainer(epochs: 1).0
        let url = temporaryURL("ckpt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(t, to: url)
        let data = try Data(contentsOf: url)
        let cut = temporaryURL("cut.safetensors")
        defer { try? FileManager.default.removeItem(at: cut) }
        try data.prefix(data.count - 100).write(to: cut)
        let before = t.model.query.stateDict()
        #expect(throws: SafeTensorsError.self) { try Checkpoint.load(into: t, from: cut) }
        let foreign = temporaryURL("weights.safetensors")
        defer { try? FileManager.default.removeItem(at: foreign) }
        try SafeTensors.write(t.model.query.stateDict(), to: foreign)
        #expect(throws: SafeTensorsError(file: foreign.lastPathComponent, reason: "not a moco checkpoint (format missing)")) {
            try Checkpoint.load(into: t, from: foreign)
        }
        #expect(zip(t.model.query.stateDict(), before).allSatisfy { $0.tensor == $1.tensor })
        // A checkpoint of another architecture is refused before anything changes.
        var rng = RandomGenerator(seed: 3)
        let other = try MoCo(encoder: try { () throws -> ConvNet in
            let e = try ConvNet(channels: [16, 32], inputChannels: 1, classes: 64, using: &rng)
            return e
        }(), queueSize: 1024, using: &rng)
        let otherTrainer = try MoCoTrainer(model: other, optimizer: try SGD(other.query.parameters(), lr: 0.1), loader: t.loader,
                                           lr: .constant(0.1), momentum: .constant(0.99))
        #expect(throws: StateDictError.self) { try Checkpoint.load(into: otherTrainer, from: url) }
    }

    /// The exported W1 backbone is committed and loaded into moco_ref's ConvNetSmall by
    /// `scripts/make-fixtures` (strict=False, only `fc.*` missing); this test writes it
    /// (MOCO_WRITE_FIXTURES=1) or checks the committed file is what the code writes now.
    @Test func exportFixtureIsCurrent() throws {
        let t = try Recipes.digitsW1(train: try Digits.load().train, seed: 42, epochs: 1)
        let url = temporaryURL("export.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.exportEncoder(t.model.query, to: url)
        let data = try Data(contentsOf: url)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ours-export-convnet.safetensors")
        if ProcessInfo.processInfo.environment["MOCO_WRITE_FIXTURES"] == "1" {
            try AtomicFile.write(data, to: source)
        } else {
            let committed = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("ours-export-convnet.safetensors")
            #expect(try Data(contentsOf: committed) == data, "regenerate with scripts/make-fixtures")
        }
    }

    @Test func exportsTheBackboneWithTorchvisionNames() throws {
        let t = try TrainingTests().trainer(epochs: 1).0
        let url = temporaryURL("encoder.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.exportEncoder(t.model.query, to: url)
        let (tensors, metadata) = try SafeTensors.read(url)
        #expect(metadata["format"] == "pt")
        #expect(tensors.map(\.name).first == "body.0.weight" && !tensors.contains { $0.name.hasPrefix("fc.") })
    }
}
