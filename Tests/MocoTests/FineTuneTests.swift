import Foundation
import Moco
import MocoData
import MocoNN
import MocoSupport
import MocoTensor
import MocoTestSupport
import Testing

/// Fine-tuning: stratified label subsets, what freezing leaves alone, exact resumption, the classification report,
/// and that a short run on the digits learns.
@Suite("Fine-tuning")
struct FineTuneTests {
    func classifier(seed: UInt64 = 0, classes: Int = 10) throws -> Classifier {
        var rng = RandomGenerator(seed: seed)
        let encoder = try ConvNet(channels: [8, 16], inputChannels: 1, classes: 4, norm: .batchNorm, using: &rng)
        return try Classifier(backbone: encoder, classes: (0..<classes).map(String.init), using: &rng)
    }

    func tuner(_ c: Classifier, _ data: LabeledImages, freeze: Bool = false, batch: Int = 32) throws -> FineTuner {
        try FineTuner(
            classifier: c, images: data.images, labels: data.labels, views: try Presets.digits(), batch: batch,
            lr: .cosine(0.1, epochs: 3), backboneLR: .cosine(0.05, epochs: 3), weightDecay: 5e-4, freeze: freeze,
            seed: RandomGenerator(seed: 9))
    }

    @Test func labelSubsetsAreStratifiedAndSeeded() throws {
        let labels = (0..<300).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 2) } + Array(repeating: 3, count: 7)
        let a = try LabelSubset.stratified(labels: labels, fraction: 0.1, seed: 4)
        #expect(a == a.sorted())
        let counts = Dictionary(grouping: a.map { labels[$0] }, by: { $0 }).mapValues(\.count)
        #expect(counts == [0: 10, 1: 10, 2: 10, 3: 1])
        #expect(try LabelSubset.stratified(labels: labels, fraction: 0.1, seed: 4) == a)
        #expect(try LabelSubset.stratified(labels: labels, fraction: 0.1, seed: 5) != a)
        #expect(try LabelSubset.stratified(labels: labels, fraction: 1, seed: 4) == Array(labels.indices))
        #expect(throws: MoCoError.self) { try LabelSubset.stratified(labels: labels, fraction: 0, seed: 4) }
    }

    @Test func freezingLeavesTheBackboneBitIdenticalAndTrainsTheHead() throws {
        let data = try Digits.load().train.subset(Array(0..<128))
        let c = try classifier()
        let backbone = { c.encoder.stateDict().filter { !$0.name.hasPrefix("fc.") } }
        let before = backbone()
        let head = c.head.stateDict()
        try tuner(c, data, freeze: true).train(epochs: 1)
        #expect(backbone().elementsEqual(before) { $0.name == $1.name && $0.tensor == $1.tensor })
        #expect(!c.head.stateDict().elementsEqual(head) { $0.tensor == $1.tensor })
    }

    @Test func gradientsReachTheBackboneUnlessFrozen() throws {
        let data = try Digits.load().train.subset(Array(0..<64))
        let c = try classifier()
        let t = try tuner(c, data)
        _ = try t.step(
            data.images.indexSelect(axis: 0, Array(0..<32)), labels: Array(data.labels.prefix(32)),
            lr: 0.1, backboneLR: 0.1, at: 0)
        #expect(c.encoder.parameters().allSatisfy { $0.grad != nil })
        let frozen = try classifier()
        let f = try tuner(frozen, data, freeze: true)
        _ = try f.step(
            data.images.indexSelect(axis: 0, Array(0..<32)), labels: Array(data.labels.prefix(32)),
            lr: 0.1, backboneLR: 0.1, at: 0)
        let headIDs = Set(frozen.head.parameters().map(ObjectIdentifier.init))
        for p in frozen.encoder.parameters() {
            #expect((p.grad != nil) == headIDs.contains(ObjectIdentifier(p)))
        }
    }

    @Test func resumingAfterACancellationEqualsAStraightRun() throws {
        try ThreadCountGuard.steady {
            let data = try Digits.load().train.subset(Array(0..<160))
            let straight = try classifier(seed: 1)
            try tuner(straight, data).train(epochs: 2)
            let resumed = try classifier(seed: 1)
            let t = try tuner(resumed, data)
            var seen = 0
            do {
                try t.train(
                    epochs: 2,
                    progress: { _, _ in
                        seen += 1
                        if seen == 7 { t.cancelRequested = true }
                    })
                Issue.record("the cancellation was not seen")
            } catch let stop as TrainingStopped {
                #expect(stop.step == 7 && stop.reason == .cancelled)
            }
            try t.train(epochs: 2 - t.epoch)
            #expect(t.epochs.count == 2 && t.steps.count == 10)
            #expect(
                resumed.stateDict().elementsEqual(straight.stateDict()) { $0.name == $1.name && $0.tensor == $1.tensor }
            )
        }
    }

    @Test func aShortRunOnTheDigitsBeatsChanceByFar() throws {
        let (train, test) = try Digits.load()
        let c = try classifier(seed: 2)
        let t = try FineTuner(
            classifier: c, images: train.images, labels: train.labels, views: Pipeline([]), batch: 64,
            lr: .cosine(0.1, epochs: 5), backboneLR: .cosine(0.1, epochs: 5), weightDecay: 5e-4, freeze: false,
            seed: RandomGenerator(seed: 3))
        try t.train(epochs: 5, evaluate: { c in try c.evaluate(test).accuracy })
        let accuracy = try c.evaluate(test).accuracy
        #expect(accuracy > 0.6, "test accuracy \(accuracy)")
        #expect(t.epochs.last?.testAccuracy == accuracy)
        #expect(t.epochs.map(\.epoch) == [1, 2, 3, 4, 5])
    }

    @Test func aNonFiniteLossStopsWithTheModelAsBefore() throws {
        let data = try Digits.load().train.subset(Array(0..<64))
        let c = try classifier()
        let t = try tuner(c, data)
        let before = c.stateDict()
        let poisoned = try Tensor.full([32, 1, 8, 8], .nan)
        #expect(throws: TrainingStopped.self) {
            _ = try t.step(poisoned, labels: Array(data.labels.prefix(32)), lr: 0.1, backboneLR: 0.1, at: 0)
        }
        #expect(c.stateDict().elementsEqual(before) { $0.name == $1.name && $0.tensor == $1.tensor })
    }

    @Test func theReportCountsTopOneTopFiveAndConfusion() throws {
        // 3 images of 6 classes: predicted 0 (right), 2 (label 1, which ranks second), 5 (label 4, which ranks last).
        let logits = try Tensor(
            shape: [3, 6],
            scalars: [
                9, 1, 1, 1, 1, 1,
                0, 5, 6, 1, 1, 1,
                1, 2, 3, 4, 0, 8
            ])
        let r = try ClassificationReport(logits: logits, labels: [0, 1, 4], classes: ["a", "b", "c", "d", "e", "f"])
        #expect(r.accuracy == 1.0 / 3)
        #expect(r.top5 == 2.0 / 3)
        #expect(r.confusion[0][0] == 1 && r.confusion[1][2] == 1 && r.confusion[4][5] == 1)
        #expect(r.perClass == [1, 0, nil, nil, 0, nil])
        let small = try ClassificationReport(
            logits: try Tensor(shape: [1, 2], scalars: [0, 1]), labels: [1], classes: ["x", "y"])
        #expect(small.top5 == nil && small.accuracy == 1)
    }

    /// A classifier over the golden-test ResNet is committed and loaded by PyTorch into the torchvision-layout model
    /// of the same architecture with strict=True when `scripts/make-fixtures` runs; this test writes it
    /// (MOCO_WRITE_FIXTURES=1) or checks that the committed file holds what the code writes now: the same tensors,
    /// bit for bit, and the same metadata but the arithmetic it names (the machine's).
    @Test func classifierFixtureIsCurrent() throws {
        var rng = RandomGenerator(seed: 42)
        let backbone = try ResNet(depth: 18, width: 8, stem: .cifar, inputChannels: 3, classes: 10, using: &rng)
        let classifier = try Classifier(backbone: backbone, classes: (0..<7).map { "class \($0)" }, using: &rng)
        let data = try classifier.encoded()
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/ours-classifier-resnet18-w8.safetensors")
        if ProcessInfo.processInfo.environment["MOCO_WRITE_FIXTURES"] == "1" {
            try AtomicFile.write(data, to: source)
        } else {
            let committed = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(
                "ours-classifier-resnet18-w8.safetensors")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("moco-\(UUID()).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try data.write(to: url)
            let (tensors, metadata) = try SafeTensors.read(committed)
            let (now, nowMetadata) = try SafeTensors.read(url)
            #expect(tensors.map(\.name) == now.map(\.name), "regenerate with scripts/make-fixtures")
            for (a, b) in zip(tensors, now) {
                if case .float(let x) = a.tensor, case .float(let y) = b.tensor {
                    #expect(
                        x.shape == y.shape && x.scalars == y.scalars, "\(a.name): regenerate with scripts/make-fixtures"
                    )
                } else if case .int64(let x, let xs) = a.tensor, case .int64(let y, let ys) = b.tensor {
                    #expect(x == y && xs == ys, "\(a.name)")
                }
            }
            #expect(nowMetadata["arithmetic"] == Arithmetic.description)
            #expect(metadata.filter { $0.key != "arithmetic" } == nowMetadata.filter { $0.key != "arithmetic" })
        }
        let names = classifier.stateDict().map(\.name)
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"] && names.contains("layer4.1.bn2.num_batches_tracked"))
    }
}
