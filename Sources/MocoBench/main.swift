import Foundation
import MocoTensor

/// `moco-bench SUITE [--json] [--reps N] [--batch N]`: benchmarks printed as a table,
/// or with `--json` one JSON object per line (the format of shared/bench/README.md).
let usage = """
    usage: moco-bench engine [--json] [--reps N] [--batch N]
      engine   sgemm (256, 512, 1024) against cblas_sgemm; conv 3x3 forward and backward at the
               ResNet-18 CIFAR layer shapes (64x32x32, 128x16x16, 256x8x8, 512x4x4) against oneDNN
               called directly. Threads: MOCO_THREADS (default: all cores).
    """

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]), v > 0 else { return value }
    args.removeSubrange(i...(i + 1))
    return v
}
let json = args.contains("--json")
args.removeAll { $0 == "--json" }
let reps = option("--reps", default: 3)
let batch = option("--batch", default: 256)

func log(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

guard args.count == 1, args[0] == "engine" else {
    log(usage)
    exit(64)
}
log("moco-bench engine: \(Threads.count) threads, median of \(reps), batch \(batch)")
log(BenchRow.header)
do {
    let rows = try EngineSuite(reps: reps, batch: batch, sizes: [256, 512, 1024], log: log).run()
    if json {
        for r in rows { print(r.json) }
    } else {
        print(BenchRow.header)
        for r in rows { print(r.line) }
    }
} catch {
    log("moco-bench: \(error)")
    exit(70)
}
