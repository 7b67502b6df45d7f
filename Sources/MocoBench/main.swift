import Foundation
import MocoData
import MocoTensor

/// `moco-bench SUITE [--json] [--reps N] [--batch N]`: benchmarks printed as a table,
/// or with `--json` one JSON object per line (the format of shared/bench/README.md).
let usage = """
    usage: moco-bench engine [--json] [--reps N] [--batch N]
           moco-bench moco [--json] [--steps N] [--rounds N] [--batch N] [--workloads W1,W4] [--torchref PATH]
                           [--data DIR] [--python PATH --shared DIR]
           moco-bench moco-quality [--json] [--seeds N] [--epochs E] [--workloads W1,C10] [--data DIR] [--torchref PATH]
           moco-bench finetune [--json] [--seeds N] [--epochs E] [--fashion-epochs F] [--datasets digits,fashion-mnist]
           moco-bench export [--json] [--seeds N] [--epochs E] --venv DIR
           moco-bench tsne [--json] [--sizes digits,10k,70k | --sizes crossover] [--python PATH]
           moco-bench repl [--json] [--reps N]
           moco-bench script [--json] [--epochs E] [--reps N]
           moco-bench augment [--json] [--images N] [--draws D] [--data DIR] [--python PATH --shared DIR]
           moco-bench cifar-views [--views FILE] [--init FILE] [--epochs E] [--seed S] [--data DIR]
           moco-bench supervised [--json] [--steps N] [--rounds N] [--batch N] [--width W] [--python PATH --shared DIR]
           moco-bench portable [--json] [--steps N] [--rounds N] [--batch N] [--workloads W1,W3]
      engine       sgemm (256, 512, 1024) against cblas_sgemm; conv 3x3 forward and backward at the
                   ResNet-18 CIFAR layer shapes (64x32x32, 128x16x16, 256x8x8, 512x4x4) against oneDNN
                   called directly.
      moco         the MoCo v2 step of W1 (digits convnet), W2 (ResNet-18), W3 (ResNet-18 width 16)
                   against torchref --steps-only (shared/bench/README.md), in one run: --rounds N
                   (default 3) alternations of the reference and ours, medians reported;
                   --steps N timed steps per side (default 30 for W1, 3 for W2, 5 for W3); each side in a
                   process of its own: images/s, GFLOP/s and the fraction of this machine's peak (a probe:
                   sgemm 2048, oneDNN's blocked conv 3x3 64x32x32), peak resident memory. W4 (when DIR,
                   default ../shared/data/cifar10-mini, exists): a whole epoch of the CIFAR-10 recipe with
                   the kNN monitor, against scripts/reference/epoch_ref.py (PATH, DIR/moco_ref.py) at 0, 1
                   and 2 DataLoader workers, the best of them.
      moco-quality W1 kNN top-1 (k 200) at epochs 25, 50, 100 for seeds 0..N-1 (default 5), ours and
                   torchref's, both trained in this run; C10 (when DIR, default ../shared/data/cifar10-mini,
                   exists): the CIFAR-10 recipe's kNN at epochs 10 and 20 of 20 on normalised images.
      finetune     few-label fine-tuning: per seed (default 3), MoCo pre-trains without labels (digits: the W1
                   recipe, E epochs, default 100; fashion-mnist: a 10k training subset, F epochs, default 20;
                   both by default when Debian's dataset-fashion-mnist is installed), then classifiers are
                   fine-tuned on 1%, 10% and 100% of the labels from its backbone and from random weights
                   (same recipe, budget and labels): mean test accuracies.
      export       the W1 recipe exported by moco export and trained by train.py (1 process x 2 threads, in the
                   venv DIR) beside moco's own run, seeds 0..N-1, E epochs: kNN (k 200); and train.py's images/s
                   with 1 process x 2 threads against 2 processes x 1 thread.
      tsne         t-SNE on the 1,797 digits, a 10k 10-class Gaussian mixture in 50-D and (70k) Fashion-MNIST's
                   70,000 images reduced to 50-D by PCA, against openTSNE and scikit-learn (70k: openTSNE's
                   FFT only) run by scripts/reference/tsne_ref.py with PATH (a python with both): seconds,
                   KL, trustworthiness(10) and 10-NN accuracy in 2-D. --sizes crossover: our Barnes-Hut
                   against our interpolation on the mixture at 2,500 to 40,000 points.
      repl         start-up of moco to its first prompt on a pseudo-terminal (budget 150 ms) and one
                   tab completion with 1,000 names in scope (budget 20 ms).
      script       the interpreter: a 1,000,000-iteration arithmetic loop against its 1 s budget, and
                   the W1 digits run (default 3 epochs) driven from a .moco script against the same run
                   driven from Swift, timed alternately.
      augment      the cifar preset against the CIFAR-10 demo's torchvision pipeline on PIL images
                   (scripts/reference/augment_stats.py with PATH and DIR/moco_ref.py) on the first N
                   images (default 500) of DIR (default ../shared/data/cifar10-mini), D draws each
                   (default 20): crop box, jitter factors and order, rates, pixel statistics per step.
      cifar-views  the C10 recipe trained on the views in FILE (scripts/reference/cifar_views.py: torchvision's
                   augmentation), or on its own views without FILE: per-epoch losses and the final kNN, to
                   split a learning gap between the data and the optimisation (default 5 epochs, seed 0);
                   --init FILE starts from the reference's weights and queue (scripts/reference/cifar_init.py).
      portable     what portable arithmetic costs (docs/portable.md): our MoCo v2 step of W1 and W3 natively and
                   in portable mode (oneDNN capped at AVX2, OpenBLAS's Haswell kernels), each in a process of its
                   own, --rounds N (default 3) alternations, medians; the ratio is portable over native.
      supervised   a training step of ResNet-18 (widths 16 and 64, 32x32x3, batch 256) beside PyTorch
                   running scripts/reference/supervised_step.py with PATH (a python with torch) and the
                   models of DIR/moco_ref.py.
    Threads: MOCO_THREADS (default: all cores). Every report starts with what each side computes with;
    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are cleared for both sides (the PyTorch reference clears them for itself).
    """

// Both sides run without the variables that choose OpenBLAS's kernels (the reference clears them for itself).
BenchEnvironment.settle()
var args = Array(CommandLine.arguments.dropFirst())
// The child side of the sgemm comparison (see RawSGEMM); it never touches the engine's threads.
if args.count == 3, args[0] == "raw-sgemm", let n = Int(args[1]), let reps = Int(args[2]) {
    print(RawSGEMM.run(n: n, reps: reps))
    exit(0)
}
/// Runs a child mode of the benchmark (a process of its own, for its own peak memory) and exits.
func childMode(_ name: String, _ body: () throws -> Void) -> Never {
    do {
        try body()
        exit(0)
    } catch {
        FileHandle.standardError.write("moco-bench \(name): \(error)\n".data(using: .utf8)!)
        exit(70)
    }
}
// The child side of W4 (see EpochWorkload.ours).
if args.count == 2, args[0] == "moco-epoch" {
    childMode(args[0]) { try EpochWorkload.child(cifar: URL(fileURLWithPath: args[1])) }
}
// The child side of the MoCo step timing (see MocoSuite.oursInChild).
if args.count == 4, args[0] == "moco-step", let steps = Int(args[2]), let batch = Int(args[3]) {
    childMode(args[0]) { try MocoSuite.stepChild(id: args[1], steps: steps, batch: batch) }
}
// Our step's phases (PhaseClock), for profiles.
if args.count == 4, args[0] == "moco-phases", let steps = Int(args[2]), let batch = Int(args[3]) {
    childMode(args[0]) { try MocoSuite.phaseChild(id: args[1], steps: steps, batch: batch) }
}
@MainActor func option(_ name: String, default value: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]), v > 0 else { return value }
    args.removeSubrange(i...(i + 1))
    return v
}
let json = args.contains("--json")
args.removeAll { $0 == "--json" }
let reps = option("--reps", default: 3)
let batch = option("--batch", default: 256)
let stepsGiven = args.contains("--steps")
let steps = option("--steps", default: 3)
let rounds = option("--rounds", default: args.first == "moco" ? 3 : 2)
let width = option("--width", default: 0)
let seedCount = option("--seeds", default: 5)
let epochs = option("--epochs", default: 100)
@MainActor func stringOption(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    defer { args.removeSubrange(i...(i + 1)) }
    return args[i + 1]
}
let python = stringOption("--python")
let torchVenv = stringOption("--venv")
let torchref = stringOption("--torchref")
let workloadsGiven = args.contains("--workloads")
let cifarDirectory = "../shared/data/cifar10-mini"
let workloads =
    stringOption("--workloads")?.split(separator: ",").map(String.init)
    ?? ["W1", "W2", "W3"] + (FileManager.default.fileExists(atPath: cifarDirectory) ? ["W4"] : [])
let shared = stringOption("--shared")
let augmentImages = option("--images", default: 500)
let augmentDraws = option("--draws", default: 20)
let dataDir = stringOption("--data") ?? cifarDirectory
let viewsFile = stringOption("--views")
let initFile = stringOption("--init")
let seed = option("--seed", default: 0)
let qualityWorkloads: [QualitySuite.Workload] =
    args.first != "moco-quality"
    ? []
    : workloadsGiven
        ? workloads.compactMap { QualitySuite.Workload(rawValue: $0) }
        : [.w1] + (FileManager.default.fileExists(atPath: dataDir) ? [.c10] : [])
let fashionEpochs = option("--fashion-epochs", default: 20)
let finetuneDatasets =
    stringOption("--datasets")?.split(separator: ",").map(String.init)
    ?? ["digits"] + (FileManager.default.fileExists(atPath: FashionMNIST.directory.path) ? ["fashion-mnist"] : [])
let tsneSizes = stringOption("--sizes")?.split(separator: ",").map(String.init) ?? ["digits", "10k", "70k"]

func log(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

guard args.count == 1,
    [
        "engine", "supervised", "moco", "moco-quality", "finetune", "export", "script", "tsne", "repl", "augment",
        "cifar-views", "portable"
    ].contains(args[0])
else {
    log(usage)
    exit(64)
}
log("moco-bench \(args[0]): \(Threads.count) threads, batch \(batch)")
// What the reference computes with: PyTorch's arithmetic where PyTorch is the reference, else ours (the engine's raw
// libraries, our own step natively, the same run driven another way).
let referenceArithmetic =
    ["engine", "portable", "repl", "script", "finetune", "cifar-views"].contains(args[0])
    ? "the same libraries as ours"
    : BenchEnvironment.reference(python: python ?? torchVenv.map { $0 + "/bin/python" })
let environmentNote = BenchEnvironment.note
BenchRow.context = [
    "ours_arithmetic": Arithmetic.description, "environment": environmentNote
].merging(referenceArithmetic.map { ["reference_arithmetic": $0] } ?? [:]) { a, _ in a }
log("ours: \(Arithmetic.description)")
log("reference: \(referenceArithmetic ?? "its arithmetic is not asked for (no --python)")")
log("environment: \(environmentNote)")
log(BenchRow.header)
do {
    var rows: [BenchRow]
    switch args[0] {
    case "engine": rows = try EngineSuite(reps: reps, batch: batch, sizes: [256, 512, 1024], log: log).run()
    case "augment":
        rows = try AugmentSuite(
            images: augmentImages, draws: augmentDraws, data: URL(fileURLWithPath: dataDir), python: python,
            shared: shared, log: log
        ).run()
    case "moco-quality":
        rows = try qualityWorkloads.flatMap { w in
            try QualitySuite(
                workload: w, seeds: Array(0..<seedCount), epochs: w == .c10 ? min(epochs, 20) : epochs,
                cifar: URL(fileURLWithPath: dataDir), torchref: torchref, log: log
            ).run()
        }
    case "finetune":
        rows = try finetuneDatasets.flatMap { name in
            guard let task = FinetuneSuite.Task.named(name, epochs: epochs, fashionEpochs: fashionEpochs) else {
                throw BenchFailure("unknown data set '\(name)' (digits, fashion-mnist)")
            }
            return try FinetuneSuite(
                task: task, seeds: Array(0..<(CommandLine.arguments.contains("--seeds") ? seedCount : 3)), log: log
            ).run()
        }
    case "export":
        guard let torchVenv else { throw BenchFailure("export needs --venv DIR, the venv of scripts/torch-venv") }
        rows = try ExportSuite(
            seeds: Array(0..<seedCount), epochs: epochs, venv: URL(fileURLWithPath: torchVenv), log: log
        ).run()
    case "cifar-views":
        rows = try CifarViewsSuite(
            views: viewsFile.map { URL(fileURLWithPath: $0) }, initial: initFile.map { URL(fileURLWithPath: $0) },
            epochs: CommandLine.arguments.contains("--epochs") ? epochs : 5, seed: seed,
            cifar: URL(fileURLWithPath: dataDir), log: log
        ).run()
    case "repl":
        rows = try REPLSuite(
            binary: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("moco").path,
            reps: reps, log: log
        ).run()
    case "tsne":
        rows = try TSNESuite(python: python, script: "scripts/reference/tsne_ref.py", sizes: tsneSizes, log: log).run()
    case "script":
        rows = try ScriptSuite(
            epochs: CommandLine.arguments.contains("--epochs") ? epochs : 3, reps: reps, log: log
        ).run()
    case "portable":
        rows = try PortableSuite(
            ids: workloadsGiven ? workloads : ["W1", "W3"], steps: stepsGiven ? steps : nil, rounds: rounds,
            batch: batch, log: log
        ).run()
    case "moco":
        rows = try MocoSuite(
            ids: workloads, steps: stepsGiven ? steps : nil, rounds: rounds, batch: batch, torchref: torchref, log: log
        ).run()
        if workloads.contains("W4"),
            let row = try EpochWorkload(
                cifar: URL(fileURLWithPath: dataDir), python: python, shared: shared, rounds: rounds, log: log
            ).run()
        {
            rows.append(row)
            log(row.line)
        }
    default:
        rows = try SupervisedSuite(
            batch: batch, steps: steps, rounds: rounds, widths: width > 0 ? [width] : [16, 64], python: python,
            sharedBench: shared, log: log
        ).run()
    }
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
