import Foundation
import Moco
import MocoData
import MocoNN
import MocoSupport
import MocoTensor
import MocoTestSupport
import Testing

@Suite("Checkpoints", .serialized)
struct CheckpointTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("moco-\(UUID())-\(name)")
    }

    /// 2 epochs, save, load into a freshly built trainer, 2 more epochs: the same bits as
    /// 4 epochs straight (weights, queue, optimizer state, metrics).
    @Test func resumeIsExact() throws {
        try ThreadCountGuard.steady { try resumeMatchesAStraightRun() }
    }

    private func resumeMatchesAStraightRun() throws {
        let straight = try TrainingTests().trainer(epochs: 4).0
        try straight.train(epochs: 4)

        let first = try TrainingTests().trainer(epochs: 4).0
        try first.train(epochs: 2)
        let url = temporaryURL("resume.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(first, recipe: ["recipe": "W1", "epochs": "4"], to: url)

        // A different init: everything must come from the file.
        let resumed = try TrainingTests().trainer(epochs: 4, seed: 99).0
        let recipe = try Checkpoint.load(into: resumed, from: url)
        #expect(recipe == ["recipe": "W1", "epochs": "4"])
        #expect(resumed.epoch == 2 && resumed.history == first.history)
        try resumed.train(epochs: 2)

        let sameHistory = resumed.history == straight.history
        let sameQuery = zip(resumed.model.query.stateDict(), straight.model.query.stateDict()).allSatisfy {
            $0.tensor == $1.tensor
        }
        let sameKey = zip(resumed.model.key.stateDict(), straight.model.key.stateDict()).allSatisfy {
            $0.tensor == $1.tensor
        }
        let sameQueue = resumed.model.queue?.keys.scalars == straight.model.queue?.keys.scalars
        let (o1, o2) = (resumed.optimizer.state(), straight.optimizer.state())
        let sameOptimizer =
            o1.keys.sorted() == o2.keys.sorted() && o1.allSatisfy { k, v in o2[k]?.scalars == v.scalars }
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
        #expect(
            throws: SafeTensorsError(file: foreign.lastPathComponent, reason: "not a moco checkpoint (format missing)")
        ) {
            try Checkpoint.load(into: t, from: foreign)
        }
        #expect(zip(t.model.query.stateDict(), before).allSatisfy { $0.tensor == $1.tensor })
        // A checkpoint of another architecture is refused before anything changes.
        var rng = RandomGenerator(seed: 3)
        let other = try MoCo(
            encoder: try { () throws -> ConvNet in
                let e = try ConvNet(channels: [16, 32], inputChannels: 1, classes: 64, using: &rng)
                return e
            }(), queueSize: 1024, using: &rng)
        let otherTrainer = try MoCoTrainer(
            model: other, optimizer: try SGD(other.query.parameters(), lr: 0.1), loader: t.loader,
            lr: .constant(0.1), momentum: .constant(0.99))
        #expect(throws: SafeTensorsError.self) { try Checkpoint.load(into: otherTrainer, from: url) }
    }

    /// Every one of 80 single-byte flips spread over the data is caught by the checksum, and so
    /// is an edited header (two tensors of the same shape swapped by name).
    @Test func checksumCatchesFlippedBytes() throws {
        let t = try TrainingTests().trainer(epochs: 1).0
        let url = temporaryURL("flip.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(t, to: url)
        let data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let dataStart = 8 + headerLength
        var refused = 0
        for i in 0..<80 {
            var flipped = data
            flipped[dataStart + i * (data.count - dataStart - 1) / 79] ^= 0x10
            try flipped.write(to: url)
            do { try Checkpoint.load(into: t, from: url) } catch let e as SafeTensorsError {
                if e.reason.contains("SHA-256") { refused += 1 }
            }
        }
        #expect(refused == 80)
        var header = String(decoding: data[8..<dataStart], as: UTF8.self)
        header = header.replacingOccurrences(of: "\"query.", with: "\"swap.")
            .replacingOccurrences(of: "\"key.", with: "\"query.").replacingOccurrences(of: "\"swap.", with: "\"key.")
        try (data.prefix(8) + Data(header.utf8) + data[dataStart...]).write(to: url)
        #expect(
            throws: SafeTensorsError(
                file: url.lastPathComponent,
                reason: "the tensors do not match the file's SHA-256 checksum (the file is damaged or was changed)")
        ) {
            try Checkpoint.load(into: t, from: url)
        }
    }

    /// A forged checkpoint (fields out of range, checksum recomputed) is refused with the file
    /// and the field, and leaves the trainer as it was.
    @Test(arguments: [
        ("epoch 2**62", "trainer.epoch 4611686018427387904 is outside 0...1000000"),
        ("epoch 10 of 2", "trainer.epoch 10 is past the 2 planned epochs"),
        ("planned -1", "planned_epochs \"-1\" is not a whole number in 0...1000000"),
        ("planned abc", "planned_epochs \"abc\" is not a whole number in 0...1000000"),
        ("NaN running variance", "{bn} holds NaN, infinite or negative values"),
        ("negative running variance", "{bn} holds NaN, infinite or negative values"),
        ("queue of the wrong width", "queue.keys of width 65, the model makes keys of width 64"),
        ("queue of another size", "queue.keys hold 512 keys, the model's queue holds 1024"),
        ("queue pointer outside", "queue.position [9999, 1024] is not a pointer and fill within the queue of 1024"),
        ("no checksum", "has no checksum of its data")
    ])
    func refusesForgedFields(forgery: String, reason: String) throws {
        let t = try TrainingTests().trainer(epochs: 1).0
        try t.train(epochs: 1)
        let url = temporaryURL("forged.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(t, recipe: [Checkpoint.plannedEpochsKey: "2"], to: url)
        var (state, metadata) = try SafeTensors.read(url)
        func replace(_ name: String, _ tensor: StateTensor) {
            state = state.map { $0.name == name ? (name, tensor) : $0 }
        }
        let queue = try #require(t.model.queue)
        var checksum = true
        var bn = ""
        switch forgery {
        case "epoch 2**62": replace("trainer.epoch", .int64([1 << 62], shape: []))
        case "epoch 10 of 2": replace("trainer.epoch", .int64([10], shape: []))
        case "planned -1": metadata[Checkpoint.plannedEpochsKey] = "-1"
        case "planned abc": metadata[Checkpoint.plannedEpochsKey] = "abc"
        case "NaN running variance", "negative running variance":
            let v = try #require(state.first { $0.name.hasPrefix("query.") && $0.name.hasSuffix("running_var") })
            var scalars = [Float](repeating: 1, count: v.tensor.shape.reduce(1, *))
            scalars[3] = forgery.hasPrefix("NaN") ? .nan : -1
            replace(v.name, .float(try Tensor(shape: v.tensor.shape, scalars: scalars)))
            bn = String(v.name.dropFirst("query.".count))
        case "queue of the wrong width":
            replace("queue.keys", .float(try Tensor.zeros([queue.dim + 1, queue.capacity])))
        case "queue of another size":
            replace("queue.keys", .float(try Tensor.zeros([queue.dim, 512])))
        case "queue pointer outside": replace("queue.position", .int64([9999, 1024], shape: [2]))
        default: checksum = false
        }
        metadata.removeValue(forKey: SafeTensors.checksumKey)
        try SafeTensors.write(state, metadata: metadata, checksum: checksum, to: url)
        let fresh = try TrainingTests().trainer(epochs: 1, seed: 5).0
        let before = fresh.model.query.stateDict()
        let expected = reason.replacingOccurrences(of: "{bn}", with: "query.*: " + bn)
        #expect(throws: SafeTensorsError(file: url.lastPathComponent, reason: expected)) {
            try Checkpoint.load(into: fresh, from: url)
        }
        #expect(fresh.epoch == 0 && zip(fresh.model.query.stateDict(), before).allSatisfy { $0.tensor == $1.tensor })
    }

    /// The exported W1 backbone is committed and loaded into moco_ref's ConvNetSmall by
    /// `scripts/make-fixtures` (strict=False, only `fc.*` missing); this test writes it
    /// (MOCO_WRITE_FIXTURES=1) or checks the committed file holds what the code writes now: the same tensors, bit for
    /// bit, and the same metadata but the arithmetic it names (the machine's).
    @Test func exportFixtureIsCurrent() throws {
        let t = try Recipes.digitsW1(train: try Digits.load().train, seed: 42, epochs: 1)
        let url = temporaryURL("export.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.exportEncoder(t.model.query, to: url)
        let data = try Data(contentsOf: url)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/ours-export-convnet.safetensors")
        if ProcessInfo.processInfo.environment["MOCO_WRITE_FIXTURES"] == "1" {
            try AtomicFile.write(data, to: source)
        } else {
            let committed = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(
                "ours-export-convnet.safetensors")
            let (tensors, metadata) = try SafeTensors.read(committed)
            let (now, nowMetadata) = try SafeTensors.read(url)
            #expect(tensors.map(\.name) == now.map(\.name), "regenerate with scripts/make-fixtures")
            for (a, b) in zip(tensors, now) {
                guard case .float(let x) = a.tensor, case .float(let y) = b.tensor else { continue }
                #expect(
                    x.shape == y.shape && x.scalars == y.scalars, "\(a.name): regenerate with scripts/make-fixtures")
            }
            #expect(nowMetadata["arithmetic"] == Arithmetic.description)
            #expect(metadata.filter { $0.key != "arithmetic" } == nowMetadata.filter { $0.key != "arithmetic" })
        }
    }

    @Test("a checkpoint names the arithmetic it was written under; resuming one from other kernels says so")
    func arithmeticIsRecorded() throws {
        let t = try TrainingTests().trainer(epochs: 2).0
        let url = temporaryURL("arithmetic.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(t, recipe: ["recipe": "W1"], to: url)
        let (tensors, metadata) = try SafeTensors.read(url)
        #expect(metadata["arithmetic"] == Arithmetic.description)
        var notes: [String] = []
        let recipe = try Checkpoint.load(into: TrainingTests().trainer(epochs: 2).0, from: url) { notes.append($0) }
        #expect(recipe == ["recipe": "W1"], "the arithmetic is not part of the recipe")
        #expect(notes.isEmpty, "written here, resumed here: nothing to say")
        // The same file as another machine would have written it.
        let elsewhere = "oneDNN avx512_core_amx, OpenBLAS SapphireRapids, 2 threads, native"
        var moved = metadata
        moved["arithmetic"] = elsewhere
        moved[SafeTensors.checksumKey] = nil
        try SafeTensors.write(tensors, metadata: moved, checksum: true, to: url)
        _ = try Checkpoint.load(into: TrainingTests().trainer(epochs: 2).0, from: url) { notes.append($0) }
        #expect(notes.count == 1)
        #expect(notes.first?.contains(elsewhere) == true && notes.first?.contains(Arithmetic.description) == true)
        #expect(notes.first?.contains("bits will differ") == true)
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
