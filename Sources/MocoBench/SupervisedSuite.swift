import Foundation
import MocoNN
import MocoTensor

/// A supervised training step (forward, cross-entropy, backward, SGD) of the CIFAR
/// ResNet-18 at widths 64 and 16 on 32x32x3 inputs, beside PyTorch doing the same step
/// (`scripts/reference/supervised_step.py`, models from `shared/bench/moco_ref.py`), the
/// two measured alternately in one run.
struct SupervisedSuite {
    var batch: Int
    var steps: Int
    var rounds: Int
    var widths: [Int]
    /// The Python of the reference venv and the folder holding `moco_ref.py`; nil skips the reference.
    var python: String?
    var sharedBench: String?
    var log: (String) -> Void

    /// Images per second of our step, after one warm-up step.
    func ours(width: Int) throws -> Double {
        var rng = RandomGenerator(seed: 0)
        let model = try ResNet(depth: 18, width: width, stem: .cifar, inputChannels: 3, classes: 10, using: &rng)
        let opt = try SGD(model.parameters(), lr: 0.06, momentum: 0.9, weightDecay: 5e-4)
        let x = try Tensor.randn([batch, 3, 32, 32], using: &rng)
        let labels = (0..<batch).map { _ in rng.nextInt(below: 10) }
        func step() throws {
            let loss = try Tensor.crossEntropy(model(x), labels: labels)
            opt.zeroGrad()
            try loss.backward()
            try opt.step()
        }
        try step()
        let t = try seconds { for _ in 0..<steps { try step() } }
        return Double(batch * steps) / t
    }

    /// Images per second of PyTorch's step, from the reference script's JSON line.
    func reference(width: Int) throws -> Double? {
        guard let python, let sharedBench else { return nil }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/reference/supervised_step.py").standardizedFileURL.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [
            script, sharedBench, "--width", String(width), "--batch", String(batch), "--steps", String(steps),
            "--threads", String(Threads.count)
        ]
        // The benchmark's environment, which BenchEnvironment settled for both sides.
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
            let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let rate = obj["images_per_s"] as? Double
        else {
            throw TensorError("bench", "the PyTorch reference failed (exit \(p.terminationStatus))")
        }
        return rate
    }

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for width in widths {
            var mine: [Double] = []
            var theirs: [Double] = []
            for _ in 0..<rounds {
                if let r = try reference(width: width) { theirs.append(r) }
                mine.append(try ours(width: width))
            }
            mine.sort()
            theirs.sort()
            let name = width == 64 ? "supervised-resnet18" : "supervised-resnet18-w\(width)"
            let oursRate = mine[mine.count / 2]
            if theirs.isEmpty {
                log(
                    "\(name): \(String(format: "%.1f", oursRate)) images/s (no PyTorch reference: pass --python and --shared)"
                )
                continue
            }
            rows.append(
                BenchRow(
                    workload: name, unit: "images/s", ours: oursRate, reference: theirs[theirs.count / 2],
                    referenceName: "PyTorch, same step", higherIsBetter: true))
            log(rows.last!.line)
        }
        return rows
    }
}
