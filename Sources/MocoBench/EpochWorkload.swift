import Foundation
import Moco
import MocoData
import MocoTensor

/// W4: one whole MoCo v2 epoch end to end (data, augmentation, both encoders, the kNN monitor) on the
/// CIFAR-10 batch of `../shared/data/cifar10-mini` (10,000 training images): the `cifar` preset,
/// ResNet-18 width 16, K 4096, batch 256, then backbone kNN (k 200, t 0.1) of the 2,000 test images against
/// the training images, both as the recipe evaluates them. SGD runs at epoch 1 of a 200-epoch cosine (the
/// demo's length), so the step is a real one. Beside `scripts/reference/epoch_ref.py`: moco_ref.py's model
/// with a torch DataLoader at 0, 1 and 2 workers, the best of them. Each side runs in a process of its own.
struct EpochWorkload {
    var cifar: URL
    /// The bench venv's python and ../shared/bench (moco_ref.py), or nil to skip the reference.
    var python: String?
    var shared: String?
    var rounds: Int
    var log: (String) -> Void

    /// One measured epoch: seconds to the kNN result, the kNN accuracy, the epoch's mean loss, peak memory.
    struct Epoch {
        let seconds, knn, loss, peakMiB: Double

        init(line: Data, peakMiB: Double) throws {
            let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap {
                Double($0)
            }
            guard fields.count == 3 else { throw BenchFailure("W4: unreadable result line") }
            (seconds, knn, loss, self.peakMiB) = (fields[0], fields[1], fields[2], peakMiB)
        }
    }

    func ours() throws -> Epoch {
        let child = try spawnSelf(["moco-epoch", cifar.path])
        guard child.status == 0 else { throw BenchFailure("moco-epoch failed (exit \(child.status))") }
        return try Epoch(line: child.output, peakMiB: child.peakMiB)
    }

    func reference(workers: Int) throws -> Epoch? {
        guard let python, let shared else { return nil }
        let child = try spawn(
            python,
            [
                "scripts/reference/epoch_ref.py", shared, cifar.path, "--workers", String(workers), "--threads",
                String(Threads.count)
            ])
        guard child.status == 0 else { throw BenchFailure("epoch_ref.py failed (exit \(child.status))") }
        return try Epoch(line: child.output, peakMiB: child.peakMiB)
    }

    func run() throws -> BenchRow? {
        var mine: [Epoch] = []
        var best: [Epoch] = []
        var bestWorkers: [Int] = []
        for round in 0..<rounds {
            var theirs: [(Int, Epoch)] = []
            for workers in 0...2 {
                if let r = try reference(workers: workers) {
                    theirs.append((workers, r))
                    log(
                        String(
                            format: "W4 round %d reference, %d workers: %.1f s, kNN %.2f%%, loss %.4f, peak %.0f MiB",
                            round, workers, r.seconds, r.knn, r.loss, r.peakMiB))
                }
            }
            let o = try ours()
            mine.append(o)
            log(
                String(
                    format: "W4 round %d ours: %.1f s, kNN %.2f%%, loss %.4f, peak %.0f MiB", round, o.seconds, o.knn,
                    o.loss, o.peakMiB))
            if let fastest = theirs.min(by: { $0.1.seconds < $1.1.seconds }) {
                best.append(fastest.1)
                bestWorkers.append(fastest.0)
            }
        }
        guard !best.isEmpty else { return nil }
        var row = BenchRow(
            workload: "W4", unit: "s per epoch", ours: median(mine.map(\.seconds)),
            reference: median(best.map(\.seconds)), referenceName: "epoch_ref.py, best of 0/1/2 workers",
            higherIsBetter: false)
        row.extra = [
            "rounds": Double(rounds), "ours_knn": median(mine.map(\.knn)), "reference_knn": median(best.map(\.knn)),
            "ours_peak_mib": median(mine.map(\.peakMiB)), "reference_peak_mib": median(best.map(\.peakMiB)),
            "reference_workers": Double(median(bestWorkers.map(Double.init)))
        ]
        return row
    }

    /// The child's side of `ours`: prints "SECONDS KNN_PERCENT LOSS".
    static func child(cifar: URL) throws {
        let files = try CIFAR10.batches(in: cifar)
        let train = try CIFAR10.load(files.train)
        let test = try CIFAR10.load(files.test)
        let bank = try Recipes.cifar10Evaluation(train)
        let probe = try Recipes.cifar10Evaluation(test)
        let trainer = try Recipes.cifar10(train: train, seed: 0, epochs: 200)
        var (knn, epoch) = (0.0, 0.0)
        let time = try seconds {
            epoch = try seconds { try trainer.train(epochs: 1) }
            knn = try knnAccuracy(
                trainer.model.query, train: bank, test: probe, classifier: KNNClassifier(k: 200, t: 0.1))
        }
        let split = String(format: "W4 ours: the epoch %.1f s, the kNN monitor %.1f s\n", epoch, time - epoch)
        FileHandle.standardError.write(Data(split.utf8))
        let losses = trainer.history.map { Double($0.loss) }
        print(String(format: "%.4f %.4f %.6f", time, 100 * knn, losses.reduce(0, +) / Double(max(losses.count, 1))))
    }
}
