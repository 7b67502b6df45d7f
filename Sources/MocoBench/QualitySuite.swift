import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// W1 learning quality: backbone weighted kNN top-1 (k 200, t 0.1) on the 450 test digits
/// at epochs 25, 50 and 100 of the digits recipe, ours and `torchref`'s, both trained in this
/// run for each seed; rows report the means over seeds as fractions.
struct QualitySuite {
    var seeds: [Int]
    var epochs: Int
    var torchref: String?
    var log: (String) -> Void

    var checkpoints: [Int] { [25, 50, 100].filter { $0 <= epochs } }

    /// Our kNN accuracy at each checkpoint epoch for `seed`.
    func ours(seed: Int) throws -> [Int: Double] {
        let (train, test) = try Digits.load()
        let trainer = try Recipes.digitsW1(train: train, seed: UInt64(seed), epochs: epochs)
        let encoder = trainer.model.query
        let knn = try KNNClassifier(k: 200, t: 0.1)
        var out: [Int: Double] = [:]
        for e in checkpoints {
            try trainer.train(epochs: e - trainer.epoch)
            out[e] = try knnAccuracy(encoder, train: train, test: test, classifier: knn)
        }
        return out
    }

    /// The reference's kNN accuracy at each checkpoint epoch for `seed`.
    func reference(seed: Int) throws -> [Int: Double]? {
        guard let torchref else { return nil }
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("moco-quality-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: torchref)
        p.arguments = ["--epochs", String(epochs), "--seed", String(seed), "--threads", String(Threads.count),
                       "--eval-epochs", checkpoints.map(String.init).joined(separator: ","), "--knn-k", "200", "--knn-t", "0.1",
                       "--json", json.path]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any],
              let evals = obj["evals"] as? [[String: Any]] else {
            throw TensorError("bench", "torchref failed for seed \(seed) (exit \(p.terminationStatus))")
        }
        var out: [Int: Double] = [:]
        for r in evals {
            if let e = r["epoch"] as? Int, let acc = r["backbone_k200"] as? Double { out[e] = acc / 100 }
        }
        return out
    }

    func run() throws -> [BenchRow] {
        var mine: [[Int: Double]] = [], theirs: [[Int: Double]] = []
        log("seed  " + checkpoints.map { "ours e\($0)  ref e\($0)" }.joined(separator: "  "))
        for seed in seeds {
            let r = try reference(seed: seed)
            let o = try ours(seed: seed)
            mine.append(o)
            if let r { theirs.append(r) }
            log(String(format: "%4d  ", seed) + checkpoints.map { e in
                String(format: "%7.2f%%  %6.2f%%", (o[e] ?? .nan) * 100, (r?[e] ?? .nan) * 100)
            }.joined(separator: "  "))
        }
        guard !theirs.isEmpty else { return [] }
        return checkpoints.map { e in
            let o = mine.compactMap { $0[e] }, r = theirs.compactMap { $0[e] }
            return BenchRow(workload: "W1-knn-e\(e)", unit: "kNN top-1 (k 200), mean of \(seeds.count) seeds",
                            ours: o.reduce(0, +) / Double(o.count), reference: r.reduce(0, +) / Double(r.count),
                            referenceName: "torchref", higherIsBetter: true)
        }
    }
}
