import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor
import MocoTestSupport
import Testing

@Suite("MoCo")
struct MoCoTests {
    /// builder.py's logits and loss for a fixed batch and queue (PyTorch fixture).
    @Test func infoNCEMatchesPyTorch() throws {
        let f = try mocoFixture()
        let model = try smallMoCo(dim: 8, queue: 16)
        model.queue = try KeyQueue(keys: try #require(f["queue"]), pointer: 0, filled: 16)
        let qRaw = try #require(f["q_raw"]).requiringGrad()
        let (logits, _, _) = try model.infoNCELogits(query: qRaw.l2Normalized(axis: 1), key: try #require(f["k"]))
        expectClose(logits, try #require(f["logits"]), tolerance: 1e-4)
        let loss = try Tensor.crossEntropy(logits, labels: [0, 0, 0, 0])
        #expect(abs(try loss.item() - (try #require(f["loss"])).scalars[0]) < 1e-5)
        try loss.backward()
        expectClose(try #require(qRaw.grad), try #require(f["grad_q_raw"]), tolerance: 1e-5)
    }

    /// Shuffling the key batch and restoring the order changes nothing when the key
    /// encoder's output does not depend on the batch composition (eval-mode BN).
    @Test func shuffleAndUnshuffleAreInverse() throws {
        let model = try smallMoCo()
        model.key.eval()
        var rng = RandomGenerator(seed: 5)
        let x = try Tensor.randn([6, 1, 8, 8], using: &rng)
        let plain = try withoutGrad { try model.key(x).l2Normalized(axis: 1) }
        let keys = try model.loss(x, x, momentum: 1).keys
        expectClose(keys, plain, tolerance: 1e-6)
    }

    @Test func keyEncoderFollowsByEMAAndGetsNoGradient() throws {
        let model = try smallMoCo()
        #expect(model.key.parameters().allSatisfy { !$0.requiresGrad })
        #expect(model.query.parameters().allSatisfy { $0.requiresGrad })
        var rng = RandomGenerator(seed: 6)
        try model.query.parameters()[0].update(Tensor.randn(model.query.parameters()[0].value.shape, using: &rng))
        let k0 = model.key.parameters()[0].value.scalars
        let q0 = model.query.parameters()[0].value.scalars
        let x = try Tensor.randn([4, 1, 8, 8], using: &rng)
        let step = try model.loss(x, x, momentum: 0.9)
        let (loss, metrics) = (step.loss, step.metrics)
        for (i, v) in model.key.parameters()[0].value.scalars.enumerated() {
            #expect(abs(v - (0.9 * k0[i] + 0.1 * q0[i])) < 1e-6)
        }
        try loss.backward()
        #expect(model.key.parameters().allSatisfy { $0.grad == nil })
        #expect(metrics.momentum == 0.9 && metrics.top1 >= 0 && metrics.top1 <= 1)
    }

    @Test func symmetricLossEnqueuesBothViews() throws {
        let model = try smallMoCo()
        model.symmetric = true
        var rng = RandomGenerator(seed: 7)
        let x1 = try Tensor.randn([4, 1, 8, 8], using: &rng)
        let x2 = try Tensor.randn([4, 1, 8, 8], using: &rng)
        let step = try model.loss(x1, x2, momentum: 0.99)
        // The keys of the second view (for the first view's queries), then of the first: what the key encoder
        // (after the EMA) makes of each view (plain BN: the shuffle does not change a key), in batch order.
        let expected = try withoutGrad {
            try Tensor.concat([try model.key(x2).l2Normalized(axis: 1), try model.key(x1).l2Normalized(axis: 1)])
        }
        expectClose(step.keys, expected, tolerance: 1e-6)
        #expect(step.logits.shape == [8, 17])
        try model.enqueue(step.keys)
        let queue = try #require(model.queue)
        #expect(queue.filled == 8 && queue.pointer == 8)
        expectClose(try queue.newest(8).transposed(), step.keys, tolerance: 0)
    }

    /// A `PhaseClock` on the model times each step's phases, in order, and sums them over steps; timing
    /// changes nothing of the step.
    @Test func phaseClockTimesTheStep() throws {
        var rng = RandomGenerator(seed: 8)
        let x1 = try Tensor.randn([4, 1, 8, 8], using: &rng)
        let x2 = try Tensor.randn([4, 1, 8, 8], using: &rng)
        let (timed, plain) = (try smallMoCo(), try smallMoCo())
        let clock = PhaseClock()
        timed.phases = clock
        for _ in 0..<2 {
            let a = try timed.loss(x1, x2, momentum: 0.9)
            try clock.time("backward") { try a.loss.backward() }
            let b = try plain.loss(x1, x2, momentum: 0.9)
            try b.loss.backward()
            #expect(a.loss.scalars == b.loss.scalars && a.keys.scalars == b.keys.scalars)
        }
        #expect(
            clock.phases.map(\.name) == ["EMA update", "query forward", "key forward", "logits and loss", "backward"])
        #expect(clock.phases.allSatisfy { $0.seconds > 0 })
        let once = clock.phases.map(\.seconds)
        _ = try timed.loss(x1, x2, momentum: 0.9)
        #expect(zip(clock.phases.prefix(4), once).allSatisfy { $0.seconds > $1 })
        clock.reset()
        #expect(clock.phases.isEmpty)
    }
}

/// Short runs on the bundled digits (the W1 recipe at fewer epochs).
@Suite("MoCo training on digits", .serialized)
struct TrainingTests {
    func trainer(epochs: Int, seed: UInt64 = 0, lr: Double = 0.06) throws -> (MoCoTrainer, ConvNet) {
        let t = try Recipes.digitsW1(train: try Digits.load().train, seed: seed, epochs: epochs, lr: lr)
        return (t, try #require(t.model.query as? ConvNet))
    }

    /// kNN (k 200) rises well above the randomly initialised encoder's.
    @Test func knnAccuracyRises() throws {
        let (train, test) = try Digits.load()
        let (t, encoder) = try trainer(epochs: 10)
        let knn = try KNNClassifier(k: 200, t: 0.1)
        let before = try knnAccuracy(encoder, train: train, test: test, classifier: knn)
        try t.train(epochs: 10, monitor: KNNMonitor(train: train, test: test, classifier: knn))
        let after = try #require(t.knnHistory.last?.accuracy)
        #expect(after >= before + 0.04, "kNN \(before) -> \(after)")
        #expect(after >= 0.88)
        #expect(t.history.count == 50 && t.history.last!.queueFill == 1)
        #expect(t.history.allSatisfy { $0.loss.isFinite })
    }

    /// Same seed, same losses; one thread or two, same batches.
    @Test func deterministicForASeed() throws {
        let (a, _) = try trainer(epochs: 1)
        let (b, _) = try trainer(epochs: 1)
        try ThreadCountGuard.steady {
            try a.train(epochs: 1)
            try b.train(epochs: 1)
        }
        #expect(a.history == b.history)
        let loader = a.loader
        let order = loader.order(epoch: 3)
        let (one, two) = try ThreadCountGuard.changing {
            Threads.count = 1
            let one = try loader.batch(epoch: 3, index: 2, order: order)
            Threads.count = 2
            return (one, try loader.batch(epoch: 3, index: 2, order: order))
        }
        #expect(one.views[0].scalars == two.views[0].scalars && one.views[1].scalars == two.views[1].scalars)
        #expect(one.views[0].scalars != one.views[1].scalars)
    }

    /// The prefetcher hands out exactly the loader's batches, in order or not.
    @Test func prefetchedBatchesAreTheLoadersBatches() throws {
        let loader = try trainer(epochs: 1).0.loader
        let order = loader.order(epoch: 2)
        let prefetch = Prefetcher(loader, epoch: 2)
        for b in [0, 1, 2, 4, 3] {
            let direct = try loader.batch(epoch: 2, index: b, order: order)
            let ahead = try prefetch.batch(b)
            #expect(
                ahead.indices == direct.indices && ahead.views[0].scalars == direct.views[0].scalars
                    && ahead.views[1].scalars == direct.views[1].scalars)
        }
        prefetch.finish()
    }

    /// A diverged run (here: a query weight turned NaN after one epoch) stops with the
    /// step number and the last good metrics, keeping the state from before that step.
    @Test func nonFiniteLossStopsAndKeepsTheState() throws {
        let (t, encoder) = try trainer(epochs: 2)
        try t.train(epochs: 1)
        let w = encoder.fc.parameters()[0]
        try w.update(w.value * Float.nan)
        let keyState = t.model.key.stateDict()
        let queryBuffers = t.model.query.stateDict().filter { $0.name.contains("running") }
        let queue = t.model.queue
        let shuffleBefore = Checkpoint.shuffleState(of: t.model)
        do {
            try t.train(epochs: 1)
            Issue.record("training should have stopped")
        } catch let stop as TrainingStopped {
            #expect(
                stop.step == 5 && stop.reason.description == "the loss is nan"
                    && stop.description == "training stopped at step 5: the loss is nan")
            #expect(t.history.count == 5 && stop.lastGood == t.history.last)
            #expect(zip(t.model.key.stateDict(), keyState).allSatisfy { $0.tensor == $1.tensor })
            #expect(
                zip(t.model.query.stateDict().filter { $0.name.contains("running") }, queryBuffers).allSatisfy {
                    $0.tensor == $1.tensor
                })
            #expect(t.model.queue?.keys.scalars == queue?.keys.scalars && t.model.queue?.pointer == queue?.pointer)
            #expect(Checkpoint.shuffleState(of: t.model) == shuffleBefore)
        }
    }

    /// Cancelling stops at the next step boundary; training then continues exactly.
    @Test func cancelAndContinue() throws {
        let (t, _) = try trainer(epochs: 2)
        do {
            try t.train(epochs: 2) { p in if p.step == 1 { t.cancelRequested = true } }
            Issue.record("training should have been cancelled")
        } catch let stop as TrainingStopped {
            #expect(stop.step == 2 && stop.reason == .cancelled && t.history.count == 2)
        }
        #expect(t.model.queue?.filled == 512)
        // Going on finishes the stopped epoch from its next step: the result is the straight run's.
        try t.train(epochs: 2)
        let (straight, _) = try trainer(epochs: 2)
        try straight.train(epochs: 2)
        #expect(t.epoch == 2 && t.history == straight.history)
        #expect(t.model.query.stateDict().map(\.tensor) == straight.model.query.stateDict().map(\.tensor))
    }
}

@Suite("MoCo v3")
struct MoCoV3Tests {
    func model(temperature: Float) throws -> MoCo {
        var rng = RandomGenerator(seed: 0)
        let enc = try ConvNet(channels: [8, 16], inputChannels: 1, classes: 8, using: &rng)
        enc.fc = try Heads.v3Projector(16, hidden: 32, dim: 8, using: &rng)
        return try MoCo(
            v3Encoder: enc, predictor: try Heads.v3Predictor(8, hidden: 32, dim: 8, using: &rng),
            temperature: temperature, using: &rng)
    }

    /// moco-v3's symmetric contrastive loss against PyTorch, at T = 1 and T = 0.2.
    @Test(arguments: ["1.0", "0.2"])
    func symmetricLossMatchesPyTorch(_ t: String) throws {
        let f = try mocoFixture()
        let tag = "v3_T" + t
        let m = try model(temperature: Float(t)!)
        let q1 = try #require(f[tag + ".q1"]).requiringGrad()
        let q2 = try #require(f[tag + ".q2"]).requiringGrad()
        let a = try m.v3ContrastiveLoss(query: q1, key: try #require(f[tag + ".k2"]))
        let b = try m.v3ContrastiveLoss(query: q2, key: try #require(f[tag + ".k1"]))
        let loss = try a.loss + b.loss
        #expect(abs(try loss.item() - (try #require(f[tag + ".loss"])).scalars[0]) < 1e-5)
        try loss.backward()
        expectClose(try #require(q1.grad), try #require(f[tag + ".grad_q1"]), tolerance: 1e-5)
        expectClose(try #require(q2.grad), try #require(f[tag + ".grad_q2"]), tolerance: 1e-5)
    }

    @Test func trainsWithoutQueueWithTheMomentumSchedule() throws {
        let m = try model(temperature: 1)
        #expect(m.variant == .v3 && m.queue == nil)
        #expect(m.trainableParameters().count == m.query.parameters().count + m.predictor!.parameters().count)
        let (train, _) = try Digits.load()
        let views = try Presets.digits()
        let loader = try ViewLoader(
            images: train.images, batchSize: 256, pipelines: [views, views], seed: RandomGenerator(seed: 1))
        let opt = try LARS(m.trainableParameters(), lr: 0.3, weightDecay: 1e-6)
        let t = try MoCoTrainer(
            model: m, optimizer: opt, loader: loader, lr: .warmupCosine(0.3, warmupEpochs: 1, epochs: 3),
            momentum: .mocoV3Momentum(0.99, epochs: 3))
        try t.train(epochs: 3)
        #expect(t.history.count == 15 && t.history.allSatisfy { $0.loss.isFinite && $0.queueFill == 0 })
        #expect(t.history.first!.momentum == 0.99 && t.history.last!.momentum > 0.999)
        #expect(t.history.last!.loss < t.history.first!.loss)
        #expect(throws: MoCoError("moco", "MoCo v3 has no queue to resize")) {
            var rng = RandomGenerator(seed: 2)
            try m.resizeQueue(to: 8, using: &rng)
        }
        // A v3 checkpoint round-trips its predictor.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moco-v3-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(t, to: url)
        let fresh = try model(temperature: 1)
        let t2 = try MoCoTrainer(
            model: fresh, optimizer: try LARS(fresh.trainableParameters(), lr: 0.3), loader: loader,
            lr: .constant(0.3), momentum: .constant(0.99))
        try Checkpoint.load(into: t2, from: url)
        #expect(zip(fresh.predictor!.stateDict(), m.predictor!.stateDict()).allSatisfy { $0.tensor == $1.tensor })
    }
}
