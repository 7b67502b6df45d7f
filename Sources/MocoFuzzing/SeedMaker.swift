import Foundation
import Moco
import MocoNN
import MocoSupport
import MocoTensor

/// Writes the generated part of the seed corpus (`moco-fuzz seeds DIR`): files that are
/// valid for each binary reader, so mutations start inside the formats. Scripts, PNG, JPEG
/// and gzip seeds are ordinary files committed as they are.
public enum SeedMaker {
    /// The seeds by target name, then file name.
    public static func seeds() throws -> [String: [String: Data]] {
        var out: [String: [String: Data]] = [:]
        let trainer = try SmallRun.build()
        // The encoder's seeds hold its initial weights, drawn by moco's own generator: the same bits on every CPU
        // (trained weights' last bits depend on the kernels that ran).
        let state = trainer.model.query.stateDict()
        out["safetensors"] = [
            "encoder.safetensors": try SafeTensors.encode(state, metadata: ["format": "pt"]),
            "checksummed.safetensors": try SafeTensors.encode(Array(state.prefix(3)), checksum: true),
            "ints.safetensors": try SafeTensors.encode([
                ("n", .int64([1, -2, 3], shape: [3])), ("e", .int64([], shape: [0]))
            ])
        ]
        try trainer.train(epochs: 1)
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "moco-seed-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: checkpoint) }
        try Checkpoint.save(trainer, recipe: [Checkpoint.plannedEpochsKey: "2"], to: checkpoint)
        out["checkpoint"] = ["small-run.safetensors": try Data(contentsOf: checkpoint)]
        out["idx"] = [
            "images.idx": Data([0] + SmallRun.idxImagesBytes), "labels.idx": Data([1] + SmallRun.idxLabelsBytes)
        ]
        var records: [UInt8] = []
        for label in [3, 9] as [UInt8] {
            records += [label] + (0..<3072).map { UInt8(truncatingIfNeeded: $0 * Int(label)) }
        }
        out["cifar"] = ["two-records.bin": Data(records)]
        out["cache-entry"] = ["entry.json": entryJSON()]
        return out
    }

    /// The files beside the fuzzed entry.json: an image, an embedding and a checkpoint's bytes.
    static func entryFiles() -> [(name: String, data: Data)] {
        [
            ("output-0.png", Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
            ("memo-1.f64", Data(count: 32)), ("train-2.safetensors", Data("not a checkpoint".utf8))
        ]
    }

    /// A valid entry naming every file of `entryFiles` with its digest.
    static func entryJSON() -> Data {
        let files = entryFiles().map { "\"\($0.name)\": \"\(SHA256.hex($0.data))\"" }.joined(separator: ", ")
        return Data(
            """
            {"outputs": [{"type": "text", "text": "hello"}, {"type": "value", "text": "42"},
                         {"type": "image", "name": "loss.png", "file": "output-0.png", "title": "Loss"}],
             "memo": [{"kind": "knn_accuracy", "type": "number", "value": 0.5},
                      {"kind": "tsne", "type": "embedding", "file": "memo-1.f64", "divergence": 1.25},
                      {"kind": "train", "type": "checkpoint", "file": "train-2.safetensors", "interrupted": false}],
             "files": {\(files)}, "seed": 7, "writes": [],
             "inputs": [{"path": "/data/digits.csv.gz", "stamp": "0", "sha256": "0"}]}
            """.utf8)
    }
}
