import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

// The demo: MoCo v2 pre-training on the bundled 8x8 digits with the W1 recipe of the
// benchmarks (convnet 32-64-128 with split batch norm, MLP head 128-128-64, K 1024, m 0.99,
// T 0.2, batch 256, SGD lr 0.06 with the demo's per-epoch cosine), watched by a weighted
// kNN monitor (k 200, t 0.1) on backbone features of the 450 test digits.
// Usage: moco-demo [epochs] [seed]   (defaults 30 and 0)

let args = CommandLine.arguments
let epochs = args.count > 1 ? Int(args[1]) ?? 30 : 30
let seed = args.count > 2 ? UInt64(args[2]) ?? 0 : 0

do {
    let (train, test) = try Digits.load()
    let trainer = try Recipes.digitsW1(train: train, seed: seed, epochs: epochs)
    let encoder = trainer.model.query, loader = trainer.loader
    let knn = try KNNClassifier(k: 200, t: 0.1)
    print("moco demo: MoCo v2 on \(train.count) digits, \(epochs) epochs, seed \(seed), \(Threads.count) threads")
    print("  encoder: convnet 32-64-128 (split BN, 8 splits), head 128-128-64, \(encoder.parameterCount) parameters")
    print("  augmentation: \(loader.pipelines[0].description)")
    print(String(format: "epoch %3d  kNN top-1 %.2f%%", 0, try knnAccuracy(encoder, train: train, test: test, classifier: knn) * 100))
    let start = Date()
    for e in 1...epochs {
        try trainer.train(epochs: 1, monitor: (train, test, knn))
        let last = trainer.history.suffix(loader.batchesPerEpoch)
        let loss = last.map(\.loss).reduce(0, +) / Float(last.count)
        let top1 = last.map(\.top1).reduce(0, +) / Float(last.count)
        print(String(format: "epoch %3d  loss %.4f  contrastive top-1 %5.1f%%  lr %.4f  kNN top-1 %.2f%%",
                     e, loss, top1 * 100, last.last!.lr, trainer.knnHistory.last!.accuracy * 100))
    }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "trained in %.1f s (%.0f images/s including augmentation and kNN)", seconds,
                 Double(epochs * loader.batchesPerEpoch * 256) / seconds))
} catch {
    FileHandle.standardError.write("moco-demo: \(error)\n".data(using: .utf8)!)
    exit(1)
}
