import Foundation
import MocoData
import MocoTensor

/// The CIFAR-10 demo's augmentation (the `cifar` preset) against torchvision's (shared/bench/moco_ref.py's
/// `v2_cifar_aug` on PIL images, run by scripts/reference/augment_stats.py) on the same images: per-op
/// statistics over many draws, since the two sides draw from different generators. Each row is a mean, ours and
/// the reference's, with `z`, their difference in standard errors; `|z| > 4` is reported as a difference.
struct AugmentSuite {
    var images: Int
    var draws: Int
    var data: URL
    var python: String?
    var shared: String?
    var log: (String) -> Void

    /// Mean, standard deviation and count of one statistic.
    struct Summary {
        var mean: Double, sd: Double, count: Int

        init(_ values: [Double]) {
            let n = Double(max(values.count, 1))
            let m = values.reduce(0, +) / n
            (count, mean) = (values.count, m)
            sd = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / n).squareRoot()
        }

        init(mean: Double, sd: Double, count: Int) { (self.mean, self.sd, self.count) = (mean, sd, count) }

        /// The difference from `other` in standard errors of the difference.
        func z(_ other: Summary) -> Double {
            let se = (sd * sd / Double(count) + other.sd * other.sd / Double(other.count)).squareRoot()
            return se > 0 ? (mean - other.mean) / se : (mean == other.mean ? 0 : .infinity)
        }
    }

    /// Our statistics, named as augment_stats.py names them.
    func ours() throws -> [String: Summary] {
        let (train, _) = try CIFAR10.batches(in: data)
        let all = try CIFAR10.load(train).images
        let pipeline = try Presets.cifar()
        guard pipeline.steps.count == 5, let crop = pipeline.steps[0] as? RandomResizedCrop,
            let jitterApply = pipeline.steps[1] as? RandomApply, let jitter = jitterApply.inner as? ColorJitter
        else {
            throw TensorError(
                "bench", "the cifar preset is not crop, random_apply(color_jitter), grayscale, flip, normalize")
        }
        let steps = ["crop", "jitter", "grayscale", "flip", "normalize"]
        let names = ["brightness", "contrast", "saturation", "hue"]
        var stats: [String: [Double]] = [:]
        func add(_ name: String, _ value: Double) { stats[name, default: []].append(value) }
        func add(_ name: String, _ flag: Bool) { add(name, flag ? 1 : 0) }
        let root = RandomGenerator(seed: 0)
        for i in 0..<min(images, all.shape[0]) {
            let image = Image(all, index: i)
            for d in 0..<draws {
                var rng = root.stream(UInt64(i * draws + d))
                let box = crop.box(height: image.height, width: image.width, using: &rng)
                add("crop.area", Double(box.height * box.width) / Double(image.height * image.width))
                add("crop.log_aspect", Foundation.log(Double(box.width) / Double(box.height)))
                let draw = jitter.draw(using: &rng)
                for (n, v) in zip(names, [draw.brightness, draw.contrast, draw.saturation, draw.hue]) {
                    add("jitter." + n, Double(v ?? Float.nan))
                }
                for (k, n) in names.enumerated() { add("jitter.first." + n, draw.order[0] == k) }
                var x = image
                crop.apply(&x, using: &rng)
                var y = x
                jitterApply.apply(&y, using: &rng)
                add("rate.jitter", y.pixels != x.pixels)
                var z = x
                pipeline.steps[2].apply(&z, using: &rng)
                let plane = z.height * z.width
                add(
                    "rate.grayscale",
                    (0..<plane).allSatisfy {
                        z.pixels[$0] == z.pixels[plane + $0] && z.pixels[$0] == z.pixels[2 * plane + $0]
                    })
                var f = x
                pipeline.steps[3].apply(&f, using: &rng)
                add("rate.flip", f.pixels != x.pixels)
                var out = image
                for (name, step) in zip(steps, pipeline.steps) {
                    step.apply(&out, using: &rng)
                    for (c, cn) in ["R", "G", "B"].enumerated() {
                        add(
                            "after.\(name).mean.\(cn)",
                            Double(out.pixels[(c * plane)..<((c + 1) * plane)].reduce(0, +)) / Double(plane))
                    }
                    add("after.\(name).std", Double(Summary(out.pixels.map(Double.init)).sd))
                }
            }
        }
        return stats.mapValues(Summary.init)
    }

    /// torchvision's statistics, from augment_stats.py.
    func reference() throws -> [String: Summary]? {
        guard let python, let shared else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [
            "scripts/reference/augment_stats.py", shared, data.path, "--images", String(images), "--draws",
            String(draws)
        ]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let obj = try JSONSerialization.jsonObject(with: out) as? [String: [Double]]
        else {
            throw TensorError("bench", "augment_stats.py failed (exit \(p.terminationStatus))")
        }
        return obj.compactMapValues { v in v.count == 3 ? Summary(mean: v[0], sd: v[1], count: Int(v[2])) : nil }
    }

    func run() throws -> [BenchRow] {
        let mine = try ours()
        guard let theirs = try reference() else {
            log("augment: no reference (needs --python and --shared); ours only")
            for name in mine.keys.sorted() {
                log(
                    name.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9.4f", mine[name]!.mean)
                )
            }
            return []
        }
        log("statistic                         ours     torch        z")
        var rows: [BenchRow] = []
        var differing: [String] = []
        for name in mine.keys.sorted() {
            guard let o = mine[name], let r = theirs[name] else { continue }
            let z = o.z(r)
            if abs(z) > 4 { differing.append(name) }
            log(
                name.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: " %9.4f %9.4f %+8.2f", o.mean, r.mean, z) + (abs(z) > 4 ? "  <- differs" : ""))
            rows.append(
                BenchRow(
                    workload: "aug-" + name, unit: "mean over \(o.count) draws", ours: o.mean, reference: r.mean,
                    referenceName: "torchvision (PIL)", higherIsBetter: true, extra: ["z": z]))
        }
        log(
            differing.isEmpty
                ? "augment: no statistic differs by more than 4 standard errors"
                : "augment: differs by more than 4 standard errors: " + differing.joined(separator: ", "))
        return rows
    }
}
