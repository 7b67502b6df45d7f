import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// The MoCo v2 training step of the workloads W1-W3 (shared/bench/README.md) against
/// `torchref --steps-only` in the same run: both encoders' forwards, backward, SGD, EMA and
/// enqueue, on two fixed pre-built batch pairs (augmentation excluded). Each side runs in a
/// process of its own, so that its peak resident memory is its own; GFLOP/s count the
/// reference's FLOPs per image (its `flops.step_flops_total`) for both, against this machine's
/// peak (`PeakProbe`).
struct MocoSuite {
    struct Workload {
        let id: String, dataset: String, arch: String, queue: Int, dim: Int
        /// Timed steps per side when `--steps` is not given: about a second of ours
        /// (a W1 step takes ~10 ms, a W2 step seconds).
        let defaultSteps: Int
    }

    static let workloads = [
        Workload(id: "W1", dataset: "digits", arch: "convnet-small", queue: 1024, dim: 64, defaultSteps: 30),
        Workload(id: "W2", dataset: "synthetic32", arch: "resnet18", queue: 4096, dim: 128, defaultSteps: 3),
        Workload(id: "W3", dataset: "synthetic32", arch: "resnet18-w16", queue: 4096, dim: 128, defaultSteps: 5)
    ]

    var ids: [String]
    /// Timed steps per side; nil: each workload's `defaultSteps`.
    var steps: Int?
    /// Alternations of the reference and ours; medians are reported.
    var rounds: Int
    var batch: Int
    /// `torchref`, or nil to skip the reference.
    var torchref: String?
    var log: (String) -> Void

    func encoder(_ w: Workload, using rng: inout RandomGenerator) throws -> any Encoder {
        switch w.arch {
        case "convnet-small":
            let e = try ConvNet(
                channels: [32, 64, 128], inputChannels: 1, classes: w.dim, norm: .splitBatchNorm(splits: 8), using: &rng
            )
            e.fc = try Heads.v2(128, dim: w.dim, using: &rng)
            return e
        default:
            let width = w.arch == "resnet18" ? 64 : 16
            let e = try ResNet(
                depth: 18, width: width, stem: .cifar, inputChannels: 3, classes: w.dim,
                norm: .splitBatchNorm(splits: 8), using: &rng)
            e.fc = try Heads.v2(width * 8, dim: w.dim, using: &rng)
            return e
        }
    }

    /// Our median step time in seconds; with `phases`, the time of every step's phases is added to it.
    func ours(_ w: Workload, phases: PhaseClock? = nil) throws -> Double {
        var rng = RandomGenerator(seed: 0)
        let enc = try encoder(w, using: &rng)
        let model = try MoCo(encoder: enc, queueSize: w.queue, using: &rng)
        let sgd = try SGD(enc.parameters(), lr: 0.06, momentum: 0.9, weightDecay: 5e-4)
        var pairs: [(Tensor, Tensor)] = []
        if w.dataset == "digits" {
            let (train, _) = try Digits.load()
            let views = try Presets.digits()
            let loader = try ViewLoader(
                images: train.images, batchSize: batch, pipelines: [views, views], seed: rng.stream("data"))
            let order = loader.order(epoch: 0)
            for j in 0..<2 {
                let b = try loader.batch(epoch: 0, index: j, order: order)
                pairs.append((b.views[0], b.views[1]))
            }
        } else {
            for _ in 0..<2 {
                pairs.append(
                    (
                        try Tensor.randn([batch, 3, 32, 32], using: &rng),
                        try Tensor.randn([batch, 3, 32, 32], using: &rng)
                    ))
            }
        }
        func step(_ s: Int) throws {
            let result = try model.loss(pairs[s % 2].0, pairs[s % 2].1, momentum: 0.99)
            sgd.zeroGrad()
            try phases.time("backward") { try result.loss.backward() }
            try phases.time("SGD step") { try sgd.step() }
            try phases.time("enqueue") { try model.enqueue(result.keys) }
        }
        for s in 0..<2 { try step(s) }
        model.phases = phases
        phases?.reset()
        var times: [Double] = []
        for s in 0..<timedSteps(w) { times.append(try seconds { try step(s) }) }
        times.sort()
        return times[times.count / 2]
    }

    /// Timed steps per side for `w`: `--steps`, or the workload's default.
    func timedSteps(_ w: Workload) -> Int { steps ?? w.defaultSteps }

    /// A measured side: median seconds per step and peak resident memory.
    struct Side {
        let seconds: Double
        let peakMiB: Double
    }

    /// Our median step time, in a child process (`moco-bench moco-step W STEPS BATCH`).
    func oursInChild(_ w: Workload) throws -> Side {
        let child = try spawnSelf(["moco-step", w.id, String(timedSteps(w)), String(batch)])
        guard child.status == 0, let seconds = child.number else {
            throw BenchFailure("moco-step \(w.id) failed (exit \(child.status))")
        }
        return Side(seconds: seconds, peakMiB: child.peakMiB)
    }

    /// PyTorch's median step time from `torchref --steps-only`, and its FLOPs per image.
    func reference(_ w: Workload) throws -> (side: Side, flopsPerImage: Double)? {
        guard let torchref else { return nil }
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("moco-ref-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let child = try spawn(
            torchref,
            [
                "--steps-only", String(timedSteps(w)), "--arch", w.arch, "--dataset", w.dataset, "--batch",
                String(batch), "--queue", String(w.queue), "--dim", String(w.dim), "--threads", String(Threads.count),
                "--json", json.path
            ])
        guard child.status == 0,
            let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any],
            let step = obj["step"] as? [String: Any], let med = step["median_step_s"] as? Double,
            let flops = (obj["flops"] as? [String: Any])?["step_flops_total"] as? Double
        else {
            throw TensorError("bench", "torchref failed for \(w.id) (exit \(child.status))")
        }
        return (Side(seconds: med, peakMiB: child.peakMiB), flops)
    }

    /// Two-view batches per second made by the loader for a workload's augmentation (W1: the
    /// digits recipe on the digits; W2/W3: the CIFAR demo's pipeline on random 32x32 images).
    func augmentationRate(_ w: Workload) throws -> Double {
        var rng = RandomGenerator(seed: 3)
        let images: Tensor
        let views: Pipeline
        if w.dataset == "digits" {
            images = try Digits.load().train.images
            views = try Presets.digits()
        } else {
            images = try Tensor.uniform([2560, 3, 32, 32], using: &rng)
            views = try Presets.cifar()
        }
        let loader = try ViewLoader(
            images: images, batchSize: batch, pipelines: [views, views], seed: rng.stream("data"))
        let order = loader.order(epoch: 0)
        let n = min(loader.batchesPerEpoch, 5)
        let t = try seconds { for b in 0..<n { _ = try loader.batch(epoch: 0, index: b, order: order) } }
        return Double(n * batch) / t
    }

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        let peak = torchref == nil ? nil : try PeakProbe(batch: batch, log: log)
        for w in Self.workloads where ids.contains(w.id) {
            // Rounds alternate the reference and ours, so that drift of a shared machine
            // (15-25% over minutes here) reaches both sides alike.
            var mine: [Side] = []
            var theirs: [Side] = []
            var ratios: [Double] = []
            var flopsPerImage = Double.nan
            for _ in 0..<rounds {
                let reference = try self.reference(w)
                let side = try oursInChild(w)
                mine.append(side)
                if let reference {
                    theirs.append(reference.side)
                    flopsPerImage = reference.flopsPerImage
                    ratios.append(reference.side.seconds / side.seconds)
                }
            }
            let rate = median(mine.map { Double(batch) / $0.seconds })
            guard !theirs.isEmpty, let peak else {
                log(
                    "\(w.id): ours \(String(format: "%.1f", rate)) images/s, peak memory \(median(mine.map(\.peakMiB))) MiB (no PyTorch reference); augmentation \(String(format: "%.0f", try augmentationRate(w))) images/s"
                )
                continue
            }
            let reference = median(theirs.map { Double(batch) / $0.seconds })
            var row = BenchRow(
                workload: w.id, unit: "images/s", ours: rate, reference: reference,
                referenceName: "torchref --steps-only", higherIsBetter: true)
            let (gflops, referenceGflops) = (rate * flopsPerImage / 1e9, reference * flopsPerImage / 1e9)
            row.extra = [
                "rounds": Double(rounds), "ratio_min": ratios.min()!, "ratio_max": ratios.max()!,
                "gflops": gflops, "reference_gflops": referenceGflops, "machine_peak_gflops": peak.gflops,
                "peak_fraction": gflops / peak.gflops, "reference_peak_fraction": referenceGflops / peak.gflops,
                "ours_peak_mib": median(mine.map(\.peakMiB)), "reference_peak_mib": median(theirs.map(\.peakMiB))
            ]
            rows.append(row)
            log(rows.last!.line)
            log(
                String(
                    format:
                        "%@: %.1f GFLOP/s (%.0f%% of peak) against %.1f (%.0f%%); peak memory %.0f MiB against %.0f",
                    w.id, gflops, 100 * gflops / peak.gflops, referenceGflops, 100 * referenceGflops / peak.gflops,
                    row.extra["ours_peak_mib"]!, row.extra["reference_peak_mib"]!))
            if rounds > 1 {
                log(
                    "\(w.id) per round (ours / reference = ratio): "
                        + zip(mine, theirs).map {
                            String(
                                format: "%.0f / %.0f = %.2f", Double(batch) / $0.seconds, Double(batch) / $1.seconds,
                                $1.seconds / $0.seconds)
                        }.joined(separator: ", "))
            }
            let aug = try augmentationRate(w)
            log(
                String(
                    format: "%@ augmentation alone: %.0f images/s (two views each), %.2fx our training step", w.id, aug,
                    aug / rate))
        }
        return rows
    }

    /// The child's side of `oursInChild`: prints the median step seconds of workload `id`.
    static func stepChild(id: String, steps: Int, batch: Int) throws {
        guard let w = workloads.first(where: { $0.id == id }) else { throw BenchFailure("no workload \(id)") }
        let suite = MocoSuite(ids: [id], steps: steps, rounds: 1, batch: batch, torchref: nil, log: { _ in })
        FileHandle.standardError.write(Data("  moco-step \(id): \(Arithmetic.description)\n".utf8))
        print(try suite.ours(w))
    }

    /// `moco-bench moco-phases W STEPS BATCH`: where our step's time goes, by phase (milliseconds per step and
    /// share), after two untimed steps.
    static func phaseChild(id: String, steps: Int, batch: Int) throws {
        guard let w = workloads.first(where: { $0.id == id }) else { throw BenchFailure("no workload \(id)") }
        let suite = MocoSuite(ids: [id], steps: steps, rounds: 1, batch: batch, torchref: nil, log: { _ in })
        let clock = PhaseClock()
        let median = try suite.ours(w, phases: clock)
        let total = clock.phases.reduce(0) { $0 + $1.seconds }
        print(String(format: "%@, batch %d, %d steps: median step %.1f ms", id, batch, steps, median * 1000))
        for (name, s) in clock.phases {
            let label = name.padding(toLength: 16, withPad: " ", startingAt: 0)
            print(String(format: "  %@ %9.2f ms  %5.1f%%", label, s * 1000 / Double(steps), 100 * s / total))
        }
    }
}
