import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// Splits a learning gap between the data and the optimisation: trains `Recipes.cifar10` for `epochs` on the
/// views of a file written by `scripts/reference/cifar_views.py` (torchvision's augmentation, uint8
/// `[E, steps, 2, batch, 3, 32, 32]`, normalised here as the `cifar` preset does), or on its own loader's
/// views without a file, and reports each epoch's mean loss and the backbone kNN (k 200, t 0.1; every 10 epochs and at the end) on
/// normalised images. Same seed, same initial weights and queue either way; with `initial`, the
/// reference's (`scripts/reference/cifar_init.py`: `init.query.*` and `init.queue`).
struct CifarViewsSuite {
    var views: URL?
    var initial: URL?
    var epochs: Int
    var seed: Int
    var cifar: URL
    var log: (String) -> Void

    /// Logs the losses and the kNN; there is no reference row (run the reference with `moco-quality`).
    func run() throws -> [BenchRow] {
        let files = try CIFAR10.batches(in: cifar)
        let train = try CIFAR10.load(files.train)
        let test = try CIFAR10.load(files.test)
        let trainer = try Recipes.cifar10(train: train, seed: UInt64(seed), epochs: 20)
        let steps = trainer.loader.batchesPerEpoch
        let batch = trainer.loader.batchSize
        if let initial {
            let (state, _) = try SafeTensors.read(initial)
            let prefix = "init.query."
            let query = state.filter { $0.name.hasPrefix(prefix) }.map {
                (String($0.name.dropFirst(prefix.count)), $0.tensor)
            }
            try trainer.model.query.loadStateDict(query)
            try trainer.model.key.loadStateDict(query)
            guard case .float(let keys)? = state.first(where: { $0.name == "init.queue" })?.tensor else {
                throw PipelineError("cifar-views", "\(initial.path) has no float tensor init.queue")
            }
            trainer.model.queue = try KeyQueue(keys: keys, pointer: 0, filled: 0)
            log("  starting from the reference's weights and queue in \(initial.lastPathComponent)")
        }
        let handle = try views.map { try FileHandle(forReadingFrom: $0) }
        let source = views == nil ? "own views" : "views of \(views!.lastPathComponent)"
        let (evalTrain, evalTest) = (try Recipes.cifar10Evaluation(train), try Recipes.cifar10Evaluation(test))
        let classifier = try KNNClassifier(k: 200, t: 0.1)
        var losses: [Double] = []
        for epoch in 1...epochs {
            var sum = 0.0
            if let handle {
                let lr = Float(trainer.lr.value(atEpoch: Double(epoch)))
                let m = Float(trainer.momentum.value(atEpoch: Double(epoch - 1)))
                for _ in 0..<steps {
                    let count = 2 * batch * 3 * 32 * 32
                    guard let data = try handle.read(upToCount: count), data.count == count else {
                        throw PipelineError("cifar-views", "\(views!.path) ends before epoch \(epoch) of \(epochs)")
                    }
                    let pixels = data.map { Float($0) / 255 }
                    let half = count / 2
                    let q = try Recipes.cifar10EvaluationImages(
                        Tensor(shape: [batch, 3, 32, 32], scalars: Array(pixels[..<half])))
                    let k = try Recipes.cifar10EvaluationImages(
                        Tensor(shape: [batch, 3, 32, 32], scalars: Array(pixels[half...])))
                    sum += Double(try trainer.step(q, k, lr: lr, momentum: m).metrics.loss)
                }
            } else {
                try trainer.train(epochs: 1)
                sum = trainer.history.suffix(steps).reduce(0) { $0 + Double($1.loss) }
            }
            losses.append(sum / Double(steps))
            log(String(format: "  %@ epoch %d: loss %.4f", source, epoch, losses.last!))
            if epoch == epochs || epoch % 10 == 0 {
                let knn = try knnAccuracy(trainer.model.query, train: evalTrain, test: evalTest, classifier: classifier)
                log(
                    String(
                        format: "  %@ after %d epochs: kNN %.2f%%; losses %@", source, epoch, knn * 100,
                        losses.map { String(format: "%.3f", $0) }.joined(separator: " ")))
            }
        }
        return []
    }
}
