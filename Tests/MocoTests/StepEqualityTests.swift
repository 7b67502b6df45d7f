import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor
import MocoTestSupport
import Testing

/// Training steps of the PyTorch reference (`shared/bench/moco_ref.py`) on the CIFAR-10 recipe, recorded by
/// `scripts/fixtures/step_fixture.py`: initial weights and queue, the augmented views, the key-shuffle
/// permutations, and what the steps produced.
struct ReferenceSteps {
    let tensors: [String: StateTensor]
    let metadata: [String: String]
    let pixels: [UInt8]
    let width: Int, batch: Int, queue: Int, steps: Int, dim: Int, splits: Int
    let lr: Float, momentum: Float, temperature: Float, sgdMomentum: Float, weightDecay: Float

    init(folder: URL) throws {
        let (state, metadata) = try SafeTensors.read(folder.appendingPathComponent("step.safetensors"))
        tensors = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        self.metadata = metadata
        func int(_ key: String) throws -> Int { try #require(metadata[key].flatMap { Int($0) }, "metadata \(key)") }
        func float(_ key: String) throws -> Float {
            try #require(metadata[key].flatMap { Float($0) }, "metadata \(key)")
        }
        (width, batch, queue, steps) = (try int("width"), try int("batch"), try int("queue"), try int("steps"))
        (dim, splits) = (try int("dim"), try int("splits"))
        (lr, momentum, temperature) = (try float("lr"), try float("momentum"), try float("temperature"))
        (sgdMomentum, weightDecay) = (try float("sgd_momentum"), try float("weight_decay"))
        pixels = [UInt8](try Data(contentsOf: folder.appendingPathComponent("views.u8")))
        #expect(pixels.count == steps * 2 * batch * 3 * 32 * 32)
    }

    func float(_ name: String) throws -> Tensor {
        guard case .float(let t) = try #require(tensors[name], "fixture tensor \(name)") else {
            throw TensorError("fixture", "\(name) is not a float tensor")
        }
        return t
    }

    /// The entries under `prefix`, without it.
    func state(_ prefix: String) -> StateDict {
        tensors.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }
    }

    /// View `view` of step `step`: the reference's uint8 pixels through ToTensor and the recipe's Normalize.
    func views(step: Int, view: Int) throws -> Tensor {
        let normalize = try Normalize(mean: Presets.cifarMean, std: Presets.cifarStd)
        var rng = RandomGenerator(seed: 0)
        let size = 3 * 32 * 32
        let start = (step * 2 + view) * batch * size
        var out: [Float] = []
        out.reserveCapacity(batch * size)
        for i in 0..<batch {
            let from = start + i * size
            var image = Image(
                channels: 3, height: 32, width: 32, pixels: pixels[from..<(from + size)].map { Float($0) / 255 })
            normalize.apply(&image, using: &rng)
            out += image.pixels
        }
        return try Tensor(shape: [batch, 3, 32, 32], scalars: out)
    }

    func permutation(step: Int) throws -> [Int] {
        guard case .int64(let p, let shape) = try #require(tensors["perms"]), shape == [steps, batch] else {
            throw TensorError("fixture", "perms must be [steps, batch] int64")
        }
        return p[(step * batch)..<((step + 1) * batch)].map { Int($0) }
    }

    /// moco's trainer on the recipe, loaded with the reference's initial weights and queue.
    func trainer() throws -> MoCoTrainer {
        var rng = RandomGenerator(seed: 0)
        let encoder = try ResNet(
            width: width, stem: .cifar, classes: dim, norm: .splitBatchNorm(splits: splits), using: &rng)
        encoder.fc = try Heads.v2(width * 8, dim: dim, using: &rng)
        try encoder.loadStateDict(state("init.query."))
        let model = try MoCo(encoder: encoder, queueSize: queue, temperature: temperature, using: &rng)
        model.queue = try KeyQueue(keys: try float("init.queue"), pointer: 0, filled: 0)
        let sgd = try SGD(model.trainableParameters(), lr: lr, momentum: sgdMomentum, weightDecay: weightDecay)
        let loader = try ViewLoader(
            images: try views(step: 0, view: 0), batchSize: batch, pipelines: [Pipeline([]), Pipeline([])],
            seed: rng)
        return try MoCoTrainer(
            model: model, optimizer: sgd, loader: loader, lr: .constant(Double(lr)),
            momentum: .constant(Double(momentum)))
    }
}

/// The largest difference between `ours` and `reference`, relative to the reference's largest magnitude.
func relativeDifference(_ ours: Tensor, _ reference: Tensor) -> Float {
    maxRelativeDifference(ours, reference, floor: .leastNormalMagnitude) ?? .nan
}

/// Compares moco's steps with the reference's, entry by entry; returns what differs beyond tolerance.
func compareSteps(_ ref: ReferenceSteps) throws -> [String] {
    var problems: [String] = []
    func check(_ what: String, _ ours: Tensor, _ theirs: Tensor, tolerance: Float) {
        guard ours.shape == theirs.shape else {
            return problems.append("\(what): shape \(ours.shape), reference \(theirs.shape)")
        }
        let d = relativeDifference(ours, theirs)
        if !(d <= tolerance) { problems.append("\(what): relative difference \(d) > \(tolerance)") }
    }
    var gradientTolerance: [String: Float] = [:]
    var report = [
        "step 1 gradient, largest difference / largest value:",
        "tensor                                ours-ref32 ours-ref64 ref32-ref64"
    ]
    /// Entries of a state dict; a weight's tolerance grows to its gradient's (see below).
    func checkState(_ what: String, _ ours: StateDict, prefix: String, tolerance: Float) throws {
        let mine = Dictionary(ours.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let theirs = ref.state(prefix)
        if theirs.isEmpty { problems.append("\(what): the fixture has no \(prefix) entries") }
        for (name, t) in theirs {
            guard case .float(let expected) = t else { continue }  // num_batches_tracked: the demo's BN does not count
            guard case .float(let got) = mine[name] else {
                problems.append("\(what) \(name): missing in moco")
                continue
            }
            check("\(what) \(name)", got, expected, tolerance: max(tolerance, gradientTolerance[name] ?? 0))
        }
    }
    let trainer = try ref.trainer()
    let model = trainer.model
    var losses: [Float] = []
    for s in 0..<ref.steps {
        let viewQ = try ref.views(step: s, view: 0)
        let viewK = try ref.views(step: s, view: 1)
        let step = try trainer.step(
            viewQ, viewK, lr: ref.lr, momentum: ref.momentum, keyPermutation: try ref.permutation(step: s))
        losses.append(step.metrics.loss)
        if s == 0 {
            let loss = try ref.float("step1.loss").scalars[0]
            if !(abs(step.metrics.loss - loss) <= 1e-5 * abs(loss)) {
                problems.append("step 1 loss \(step.metrics.loss), reference \(loss)")
            }
            check("step 1 logits", step.logits, try ref.float("step1.logits"), tolerance: 1e-5)
            // A gradient agrees within 1e-3 of its largest value, or, where float32 itself cannot get that close
            // (the reference's float32 gradient is further from its float64 one), within 3 times the
            // reference's own float32 error; and it is as close to the float64 gradient.
            for (name, p) in model.query.namedParameters() {
                guard let grad = p.grad else {
                    problems.append("step 1 gradient \(name): none")
                    continue
                }
                let theirs = try ref.float("step1.grad." + name)
                let exact = try ref.float("step1.grad64." + name)
                let theirError = relativeDifference(theirs, exact)
                let tolerance = max(1e-3, 3 * theirError)
                gradientTolerance[name] = tolerance
                report.append(
                    name.padding(toLength: 36, withPad: " ", startingAt: 0)
                        + String(
                            format: " %9.1e %9.1e %9.1e", relativeDifference(grad, theirs),
                            relativeDifference(grad, exact), theirError))
                check("step 1 gradient \(name)", grad, theirs, tolerance: tolerance)
                check("step 1 gradient \(name) against float64", grad, exact, tolerance: tolerance)
            }
            // Weights after SGD: BN biases start at 0, so their error is the gradient's, relative to the update.
            try checkState("step 1 query", model.query.stateDict(), prefix: "step1.query.", tolerance: 1e-4)
            try checkState("step 1 key", model.key.stateDict(), prefix: "step1.key.", tolerance: 1e-4)
            check("step 1 queue", try #require(model.queue).keys, try ref.float("step1.queue"), tolerance: 1e-5)
        }
        if s == 1 {
            try checkState("step 2 key after EMA", model.key.stateDict(), prefix: "step2.key.", tolerance: 1e-4)
        }
    }
    // Every step whose loss the reference reproduces in float64 (within 1e-5) must agree within 1e-4. After that,
    // rounding has been amplified by the training dynamics (the reference's own float32 and float64 runs part),
    // and the losses need only stay in the same regime.
    let theirs = try ref.float("losses").scalars
    let exact = try ref.float("losses64").scalars
    var reproducible = 0
    for (s, ((a, b), c)) in zip(zip(losses, theirs), exact).enumerated() {
        let scale = max(1, abs(b))
        if abs(b - c) <= 1e-5 * scale {
            reproducible += 1
            if !(abs(a - b) <= 1e-4 * scale) { problems.append("step \(s + 1) loss \(a), reference \(b)") }
        } else if !(abs(a - b) <= 0.5) {
            problems.append("step \(s + 1) loss \(a), reference \(b) (float64: \(c))")
        }
    }
    report.append("loss per step: ours, reference float32, reference float64")
    for (s, ((a, b), c)) in zip(zip(losses, theirs), exact).enumerated() {
        report.append(String(format: "%3d %12.6f %12.6f %12.6f", s + 1, a, b, c))
    }
    if ProcessInfo.processInfo.environment["MOCO_STEP_REPORT"] != nil { print(report.joined(separator: "\n")) }
    if reproducible < 2 { problems.append("only \(reproducible) steps of the fixture are reproducible in float64") }
    let mean = { (x: [Float]) in x.dropFirst(2).reduce(0, +) / Float(max(x.count - 2, 1)) }
    if !(abs(mean(losses) - mean(theirs)) <= 0.1) {
        problems.append("mean loss of steps 3-\(ref.steps) \(mean(losses)), reference \(mean(theirs))")
    }
    return problems
}

@Suite("Training steps against the PyTorch reference")
struct StepEqualityTests {
    /// The CIFAR-10 recipe (ResNet-18 CIFAR stem, v2 head, dim 128, m 0.99, T 0.1, SGD 0.9 / 5e-4, 8-way split BN
    /// with key shuffle) at width 8, batch 16 and K 64, for 20 steps on real CIFAR-10 images: step 1 entry by
    /// entry (loss, logits, every gradient, weights and BN statistics of both encoders, the queue), the key
    /// encoder after the second step's EMA, and every step's loss (see `compareSteps` for the steps where the
    /// reference itself is not reproducible in float64).
    @Test func cifarRecipeMatchesPyTorch() throws {
        let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("step")
        let problems = try compareSteps(try ReferenceSteps(folder: folder))
        #expect(problems.isEmpty, "\(problems.count) differences:\n\(problems.prefix(20).joined(separator: "\n"))")
    }

    /// moco's own initialisation of the recipe's encoder draws from PyTorch's distributions: per tensor, the mean
    /// and spread of moco's fresh weights against those of the reference's (Kaiming normal fan-out for convs,
    /// PyTorch's default for the CIFAR stem and the linear layers, BN weight 1 and bias 0).
    @Test func initialisationMatchesPyTorchs() throws {
        let ref = try ReferenceSteps(
            folder: Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("step"))
        var rng = RandomGenerator(seed: 1)
        let encoder = try ResNet(
            width: ref.width, stem: .cifar, classes: ref.dim, norm: .splitBatchNorm(splits: ref.splits), using: &rng)
        encoder.fc = try Heads.v2(ref.width * 8, dim: ref.dim, using: &rng)
        for (name, p) in encoder.namedParameters() {
            let ours = p.value.scalars
            let theirs = try ref.float("init.query." + name).scalars
            func moments(_ x: [Float]) -> (mean: Float, std: Float) {
                let m = x.reduce(0, +) / Float(x.count)
                return (m, (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(x.count)).squareRoot())
            }
            let (a, b) = (moments(ours), moments(theirs))
            // Sampling error of a standard deviation estimate is about std / sqrt(2n); allow 6 of them.
            let slack = 6 * b.std / Float(2 * ours.count).squareRoot() + 1e-7
            #expect(abs(a.std - b.std) <= slack, "\(name): std \(a.std), PyTorch's \(b.std)")
            #expect(
                abs(a.mean - b.mean) <= slack + 6 * b.std / Float(ours.count).squareRoot(),
                "\(name): mean \(a.mean), PyTorch's \(b.mean)")
        }
    }

    /// The full-size recipe (width 16, batch 256, K 4096), recorded by `scripts/step-equality` into the folder
    /// named by `MOCO_STEP_FIXTURE`.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["MOCO_STEP_FIXTURE"] != nil,
            "(optional: the full-size recipe, run by scripts/step-equality)"))
    func fullSizeRecipeMatchesPyTorch() throws {
        let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MOCO_STEP_FIXTURE"]!)
        let problems = try compareSteps(try ReferenceSteps(folder: folder))
        #expect(problems.isEmpty, "\(problems.count) differences:\n\(problems.prefix(20).joined(separator: "\n"))")
    }
}
