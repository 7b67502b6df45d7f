import Foundation
import MocoScript
import MocoTensor

/// The exported PyTorch project against moco on the same recipe, both run here in this run.
///
/// - `export-W1-knn-e<E>`: the W1 recipe as a `.moco` script (digits, convnet 32-64-128 with shuffle-BN over 8
///   splits, v2 head 128-128-64, K 1024, m 0.99, T 0.2, batch 256, SGD 0.06 with a cosine set per epoch, weight decay
///   5e-4, the digits views), trained for E epochs by moco (`ours`) and, exported by `moco export`, by `train.py` in
///   one process with 2 threads (`reference`); backbone kNN (k 200, t 0.1) on the 450 test digits after the last
///   epoch, means over the seeds.
/// - `export-throughput`: `train.py` on the same recipe, 1 process with 2 threads (`ours` here) against 2 processes
///   of 1 thread (`reference`, torchrun with gloo), images/s of the epochs after the first, median of the seeds.
struct ExportSuite {
    var seeds: [Int]
    var epochs: Int
    /// The venv with torch (scripts/torch-venv).
    var venv: URL
    var log: (String) -> Void

    static func script(epochs: Int) -> String {
        """
        let data = dataset("digits")
        let model = moco(version: 2, encoder: convnet([32, 64, 128]), dim: 64, hidden: 128, queue: 1024,
                         momentum: 0.99, temperature: 0.2, splits: 8)
        let run = train(model, data.train, views: preset("digits"), epochs: \(epochs), batch: 256, lr_update: "epoch",
                        optimizer: sgd(lr: cosine(0.06, 0), momentum: 0.9, weight_decay: 5e-4),
                        monitor: knn(data.test, k: 200, t: 0.1), quiet: true)
        print(run.knn.values[-1])
        """
    }

    func run() throws -> [BenchRow] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-bench-export-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w1.moco")
        try Self.script(epochs: epochs).write(to: file, atomically: true, encoding: .utf8)
        var ours: [Double] = []
        var theirs: [Double] = []
        var oneByTwo: [Double] = []
        var twoByOne: [Double] = []
        for seed in seeds {
            let interpreter = Interpreter(seed: UInt64(seed), baseDirectory: dir)
            interpreter.seedOverride = UInt64(seed)
            var printed: [String] = []
            interpreter.output = { printed.append($0) }
            interpreter.progress = { _ in }
            try interpreter.run(file: file)
            guard let knn = printed.last.flatMap(Double.init) else { throw BenchFailure("moco printed \(printed)") }
            ours.append(knn)

            let project = dir.appendingPathComponent("torch-\(seed)")
            let exporter = Interpreter(seed: UInt64(seed), baseDirectory: dir)
            exporter.seedOverride = UInt64(seed)
            exporter.output = { _ in }
            exporter.exportRequest = ExportRequest(directory: project)
            do { try exporter.run(file: file) } catch is ExportFinished {}
            let single = try train(project, processes: 1, threads: 2, out: "run")
            theirs.append(single.knn)
            oneByTwo.append(single.imagesPerSecond)
            twoByOne.append(try train(project, processes: 2, threads: 1, out: "run2").imagesPerSecond)
            log(
                String(
                    format: "  seed %d: kNN moco %.2f%%, train.py %.2f%%; train.py 1x2 %.0f, 2x1 %.0f images/s", seed,
                    knn * 100, single.knn * 100, oneByTwo.last!, twoByOne.last!))
        }
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(max(x.count, 1)) }
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        return [
            BenchRow(
                workload: "export-W1-knn-e\(epochs)",
                unit: "backbone kNN k 200, mean of \(seeds.count) seeds", ours: mean(ours), reference: mean(theirs),
                referenceName: "exported train.py, 1 process x 2 threads", higherIsBetter: true,
                extra: ["ours_min": ours.min()!, "reference_min": theirs.min()!]),
            BenchRow(
                workload: "export-throughput", unit: "images/s, W1 recipe", ours: median(oneByTwo),
                reference: median(twoByOne), referenceName: "train.py 2 processes x 1 thread (torchrun, gloo)",
                higherIsBetter: true)
        ]
    }

    /// Runs the project's `train.py` with `processes` processes of `threads` threads into `out`; returns the last
    /// logged kNN and the mean images/s of the epochs after the first.
    func train(_ project: URL, processes: Int, threads: Int, out: String) throws -> (
        knn: Double, imagesPerSecond: Double
    ) {
        let p = Process()
        p.currentDirectoryURL = project
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = String(threads)
        p.environment = env
        if processes == 1 {
            p.executableURL = venv.appendingPathComponent("bin/python")
            p.arguments = ["train.py", "--threads", String(threads), "--out", out]
        } else {
            p.executableURL = venv.appendingPathComponent("bin/torchrun")
            p.arguments = [
                "--standalone", "--nproc-per-node", String(processes), "train.py", "--threads", String(threads),
                "--out", out
            ]
        }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchFailure("train.py exited with \(p.terminationStatus)") }
        let text = try String(contentsOf: project.appendingPathComponent("\(out)/log.jsonl"), encoding: .utf8)
        let rows = try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        guard let knn = rows.last?["knn"] as? Double else { throw BenchFailure("train.py logged no kNN") }
        let rates = rows.dropFirst().compactMap { $0["images_per_s"] as? Double }
        return (knn, rates.reduce(0, +) / Double(max(rates.count, 1)))
    }
}
