import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// Learning quality: backbone weighted kNN top-1 (k 200, t 0.1), ours and `torchref`'s, both trained in
/// this run for each seed; rows report the means over seeds as fractions.
/// - W1: the digits recipe, 450 test digits, epochs 25, 50 and 100.
/// - C10: the CIFAR-10 recipe (`Recipes.cifar10`) on the batches of `cifar` (10,000 training, 2,000 test
///   images in ../shared/data/cifar10-mini), epochs 10 and 20 of 20, evaluated on normalised images as the
///   demo does; raw-pixel kNN is printed for context.
struct QualitySuite {
    enum Workload: String {
        case w1 = "W1"
        case c10 = "C10"
    }

    var workload: Workload
    var seeds: [Int]
    var epochs: Int
    var cifar: URL
    var torchref: String?
    var log: (String) -> Void

    var checkpoints: [Int] {
        workload == .w1 ? [25, 50, 100].filter { $0 <= epochs } : [10, 20].filter { $0 <= epochs }
    }

    /// Training images of the workload, and the training and test images as the recipe evaluates them.
    typealias Workset = (train: LabeledImages, evalTrain: LabeledImages, evalTest: LabeledImages)

    func load() throws -> Workset {
        guard workload == .c10 else {
            let (train, test) = try Digits.load()
            return (train, train, test)
        }
        let files = try CIFAR10.batches(in: cifar)
        let train = try CIFAR10.load(files.train)
        let test = try CIFAR10.load(files.test)
        return (train, try Recipes.cifar10Evaluation(train), try Recipes.cifar10Evaluation(test))
    }

    /// Our kNN accuracy at each checkpoint epoch for `seed`.
    func ours(seed: Int, data: Workset) throws -> [Int: Double] {
        let (train, evalTrain, evalTest) = data
        let trainer =
            workload == .w1
            ? try Recipes.digitsW1(train: train, seed: UInt64(seed), epochs: epochs)
            : try Recipes.cifar10(train: train, seed: UInt64(seed), epochs: epochs)
        let encoder = trainer.model.query
        let knn = try KNNClassifier(k: 200, t: 0.1)
        var out: [Int: Double] = [:]
        for e in checkpoints {
            try trainer.train(epochs: e - trainer.epoch)
            out[e] = try knnAccuracy(encoder, train: evalTrain, test: evalTest, classifier: knn)
            if workload == .c10 {
                let losses = trainer.history.suffix(trainer.loader.batchesPerEpoch).map(\.loss)
                log(
                    String(
                        format: "  ours seed %d epoch %d: kNN %.2f%%, epoch loss %.4f", seed, e, out[e]! * 100,
                        losses.reduce(0, +) / Float(max(losses.count, 1))))
            }
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
        p.arguments = [
            "--epochs", String(epochs), "--seed", String(seed), "--threads", String(Threads.count),
            "--eval-epochs", checkpoints.map(String.init).joined(separator: ","), "--knn-k", "200", "--knn-t", "0.1",
            "--json", json.path
        ]
        if workload == .c10 {
            p.arguments! += [
                "--dataset", "cifar10", "--data-dir", cifar.path, "--arch", "resnet18-w16", "--dim", "128",
                "--queue", "4096", "--temperature", "0.1", "--momentum", "0.99"
            ]
        }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
            let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any],
            let evals = obj["evals"] as? [[String: Any]]
        else {
            throw TensorError("bench", "torchref failed for seed \(seed) (exit \(p.terminationStatus))")
        }
        var out: [Int: Double] = [:]
        for r in evals {
            if let e = r["epoch"] as? Int, let acc = r["backbone_k200"] as? Double { out[e] = acc / 100 }
        }
        if workload == .c10 {
            let raw = (obj["raw_knn"] as? [String: Double])?["k200"] ?? .nan
            let losses = (obj["epochs"] as? [[String: Any]] ?? []).compactMap { $0["loss"] as? Double }
            log(
                String(format: "  reference seed %d: raw-pixel kNN %.2f%%; epoch losses ", seed, raw)
                    + losses.map { String(format: "%.3f", $0) }.joined(separator: " "))
        }
        return out
    }

    /// Weighted kNN on the L2-normalised pixels of the images as evaluated (the reference's `raw_knn`).
    func rawPixelKNN(_ data: Workset) throws -> Double {
        let (train, test) = (data.evalTrain, data.evalTest)
        func flat(_ x: Tensor) throws -> Tensor {
            try x.reshaped([x.shape[0], x.count / x.shape[0]]).l2Normalized(axis: 1)
        }
        let predicted = try KNNClassifier(k: 200, t: 0.1).predict(
            try flat(test.images), bank: try flat(train.images),
            labels: train.labels, classes: train.classes.count)
        return Double(zip(predicted, test.labels).filter { $0 == $1 }.count) / Double(test.labels.count)
    }

    func run() throws -> [BenchRow] {
        var mine: [[Int: Double]] = []
        var theirs: [[Int: Double]] = []
        let data = try load()
        if workload == .c10 { log(String(format: "C10: ours raw-pixel kNN %.2f%%", try rawPixelKNN(data) * 100)) }
        log("\(workload.rawValue) seed  " + checkpoints.map { "ours e\($0)  ref e\($0)" }.joined(separator: "  "))
        for seed in seeds {
            let r = try reference(seed: seed)
            let o = try ours(seed: seed, data: data)
            mine.append(o)
            if let r { theirs.append(r) }
            log(
                String(format: "%4d  ", seed)
                    + checkpoints.map { e in
                        String(format: "%7.2f%%  %6.2f%%", (o[e] ?? .nan) * 100, (r?[e] ?? .nan) * 100)
                    }.joined(separator: "  "))
        }
        guard !theirs.isEmpty else { return [] }
        return checkpoints.map { e in
            let o = mine.compactMap { $0[e] }
            let r = theirs.compactMap { $0[e] }
            return BenchRow(
                workload: "\(workload.rawValue)-knn-e\(e)", unit: "kNN top-1 (k 200), mean of \(seeds.count) seeds",
                ours: o.reduce(0, +) / Double(o.count), reference: r.reduce(0, +) / Double(r.count),
                referenceName: "torchref", higherIsBetter: true)
        }
    }
}
