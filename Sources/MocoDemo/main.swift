import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

// The demo: MoCo v2 pre-training on the bundled 8x8 digits with the W1 recipe of the
// benchmarks (Recipes.digitsW1), watched by a weighted kNN monitor (k 200, t 0.1) on
// backbone features of the 450 test digits.
//
// Usage: moco-demo [epochs] [seed] [--until E] [--save CHECKPOINT] [--resume CHECKPOINT] [--portable]
//   `epochs` sets the schedule's length; --until stops after epoch E of it; --save writes the
//   full training state at the end; --resume continues a saved run of the same recipe. The last
//   line is a digest of every weight, so a run stopped, saved and resumed in a new process can
//   be compared with one trained straight through (scripts/test does).

var args = Array(CommandLine.arguments.dropFirst())
// --portable: the same bits on any x86-64 CPU with AVX2 and FMA (the program starts again in portable mode).
if let i = args.firstIndex(of: "--portable") {
    args.remove(at: i)
    do { try Arithmetic.establish(portable: true) } catch {
        FileHandle.standardError.write(Data("moco-demo: \(error)\n".utf8))
        exit(69)
    }
}
@MainActor func take(_ flag: String) -> String? {
    guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
    defer { args.removeSubrange(i...(i + 1)) }
    return args[i + 1]
}
let savePath = take("--save")
let resumePath = take("--resume")
let until = take("--until").flatMap { Int($0) }
let epochs = args.count > 0 ? Int(args[0]) ?? 30 : 30
let seed = args.count > 1 ? UInt64(args[1]) ?? 0 : 0

/// FNV-1a over the bit patterns of every parameter and buffer of both encoders and the queue.
func digest(_ trainer: MoCoTrainer) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ v: UInt64) { h = (h ^ v) &* 0x0000_0100_0000_01B3 }
    let tensors =
        (trainer.model.query.stateDict() + trainer.model.key.stateDict()).map(\.tensor)
        + [StateTensor.float(trainer.model.queue?.keys ?? Tensor(0))]
    for t in tensors {
        switch t {
        case .float(let x): x.withUnsafeBufferPointer { for v in $0 { mix(UInt64(v.bitPattern)) } }
        case .int64(let v, _): for x in v { mix(UInt64(bitPattern: x)) }
        }
    }
    return String(format: "%016llx", h)
}

do {
    let (train, test) = try Digits.load()
    let trainer = try Recipes.digitsW1(train: train, seed: seed, epochs: epochs)
    let recipe = ["recipe": "digits-W1", "epochs": String(epochs), "seed": String(seed)]
    if let resumePath {
        let saved = try Checkpoint.load(into: trainer, from: URL(fileURLWithPath: resumePath)) {
            FileHandle.standardError.write(Data("moco-demo: \($0)\n".utf8))
        }
        guard saved == recipe else {
            let described = saved.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            throw TensorError("resume", "\(resumePath) was saved by another recipe (\(described))")
        }
        print("resumed \(resumePath) after epoch \(trainer.epoch)")
    }
    let encoder = trainer.model.query
    let loader = trainer.loader
    let knn = try KNNClassifier(k: 200, t: 0.1)
    print("moco demo: MoCo v2 on \(train.count) digits, \(epochs) epochs, seed \(seed)")
    print("  arithmetic: \(Arithmetic.description)")
    print("  encoder: convnet 32-64-128 (split BN, 8 splits), head 128-128-64, \(encoder.parameterCount) parameters")
    print("  augmentation: \(loader.pipelines[0].description)")
    if trainer.epoch == 0 {
        print(
            String(
                format: "epoch %3d  kNN top-1 %.2f%%", 0,
                try knnAccuracy(encoder, train: train, test: test, classifier: knn) * 100))
    }
    let start = Date()
    let first = trainer.epoch
    let last = min(until ?? epochs, epochs)
    while trainer.epoch < last {
        try trainer.train(epochs: 1, monitor: KNNMonitor(train: train, test: test, classifier: knn))
        let steps = trainer.history.suffix(loader.batchesPerEpoch)
        let loss = steps.map(\.loss).reduce(0, +) / Float(steps.count)
        let top1 = steps.map(\.top1).reduce(0, +) / Float(steps.count)
        print(
            String(
                format: "epoch %3d  loss %.4f  contrastive top-1 %5.1f%%  lr %.4f  kNN top-1 %.2f%%",
                trainer.epoch, loss, top1 * 100, steps.last!.lr, trainer.knnHistory.last!.accuracy * 100))
    }
    let seconds = Date().timeIntervalSince(start)
    print(
        String(
            format: "trained in %.1f s (%.0f images/s including augmentation and kNN)", seconds,
            Double((last - first) * loader.batchesPerEpoch * 256) / max(seconds, 1e-9)))
    if let savePath {
        try Checkpoint.save(trainer, recipe: recipe, to: URL(fileURLWithPath: savePath))
        print("saved \(savePath)")
    }
    print("weights digest \(digest(trainer))")
} catch {
    FileHandle.standardError.write("moco-demo: \(error)\n".data(using: .utf8)!)
    exit(1)
}
