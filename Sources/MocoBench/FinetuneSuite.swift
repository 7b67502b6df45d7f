import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor

/// Few-label fine-tuning: for each seed, MoCo pre-trains a convnet without labels, then a classifier is fine-tuned
/// from its backbone and, with the same recipe, budget and labels, from random weights; rows
/// `finetune-<dataset>-1pct`, `-10pct`, `-100pct` report the mean test accuracies over seeds as fractions (`ours`
/// and `pretrained`: from the pre-trained backbone; `reference` and `scratch`: from random weights).
///
/// - `digits`: the W1 recipe (`Recipes.digitsW1`) on the 1,347 training digits, evaluated on the 450 test digits.
/// - `fashion-mnist`: `Recipes.fashionMNIST` on a seeded 10,000-image subset of Fashion-MNIST's training set,
///   evaluated on its 10,000 test images.
///
/// The fine-tuning recipe is `finetune(model, data, labels: f, epochs: 30, batch: 64)` of the script language:
/// a stratified label subset drawn with the seed, no augmentation, SGD (momentum 0.9, weight decay 5e-4) with a
/// cosine from 0.1 for the head and the backbone, plain batch norm.
struct FinetuneSuite {
    /// A data set with its pre-training recipe.
    struct Task {
        var name: String
        var pretrainEpochs: Int
        var load: () throws -> (train: LabeledImages, test: LabeledImages)
        var recipe: (LabeledImages, UInt64, Int) throws -> MoCoTrainer

        static func digits(epochs: Int) -> Task {
            Task(
                name: "digits", pretrainEpochs: epochs, load: { try Digits.load() },
                recipe: { try Recipes.digitsW1(train: $0, seed: $1, epochs: $2) })
        }

        static func fashionMNIST(epochs: Int, trainSize: Int = 10_000) -> Task {
            Task(
                name: "fashion-mnist", pretrainEpochs: epochs,
                load: {
                    let (train, test) = try FashionMNIST.load()
                    return (try train.subset(trainSize, seed: 0), test)
                },
                recipe: { try Recipes.fashionMNIST(train: $0, seed: $1, epochs: $2) })
        }

        /// The task called `name` on the command line, nil when there is none.
        static func named(_ name: String, epochs: Int, fashionEpochs: Int) -> Task? {
            switch name {
            case "digits": .digits(epochs: epochs)
            case "fashion-mnist": .fashionMNIST(epochs: fashionEpochs)
            default: nil
            }
        }
    }

    var task: Task
    var seeds: [Int]
    var fractions: [Double] = [0.01, 0.1, 1]
    var epochs = 30
    var batch = 64
    var log: (String) -> Void

    /// The test accuracy of a classifier fine-tuned on `fraction` of `train`'s labels from `backbone` (or from
    /// random weights when nil), every draw from `seed`.
    func finetune(
        _ backbone: (any Encoder)?, fraction: Double, seed: Int, train: LabeledImages, test: LabeledImages
    ) throws -> Double {
        let root = RandomGenerator(seed: UInt64(seed)).stream("finetune")
        var initRNG = root.stream("init")
        let encoder = try ConvNet(
            channels: [32, 64, 128], inputChannels: 1, classes: 10, norm: .batchNorm, using: &initRNG)
        if let backbone { try BackboneWeights.load(backbone.stateDict(), into: encoder) }
        var headRNG = root.stream("head")
        let classifier = try Classifier(backbone: encoder, classes: train.classes, using: &headRNG)
        let labelled = try train.subset(
            try LabelSubset.stratified(labels: train.labels, fraction: fraction, seed: UInt64(seed)))
        let schedule = Schedule.cosine(0.1, epochs: Double(epochs))
        let tuner = try FineTuner(
            classifier: classifier, images: labelled.images, labels: labelled.labels, views: Pipeline([]),
            batch: min(batch, labelled.count), lr: schedule, backboneLR: schedule, weightDecay: 5e-4, freeze: false,
            seed: root.stream("data"))
        try tuner.train(epochs: epochs)
        return try classifier.evaluate(test).accuracy
    }

    func run() throws -> [BenchRow] {
        let (train, test) = try task.load()
        var pretrained: [[Double]] = []
        var scratch: [[Double]] = []
        log(
            "\(task.name): \(train.count) training images, \(test.count) test images\nseed  kNN     "
                + fractions.map { String(format: "%5.0f%%: pre-trained  scratch", $0 * 100) }.joined())
        for seed in seeds {
            let trainer = try task.recipe(train, UInt64(seed), task.pretrainEpochs)
            try trainer.train(epochs: task.pretrainEpochs)
            let knn = try knnAccuracy(
                trainer.model.query, train: train, test: test, classifier: KNNClassifier(k: 200, t: 0.1))
            let p = try fractions.map {
                try finetune(trainer.model.query, fraction: $0, seed: seed, train: train, test: test)
            }
            let s = try fractions.map { try finetune(nil, fraction: $0, seed: seed, train: train, test: test) }
            pretrained.append(p)
            scratch.append(s)
            log(
                String(format: "%4d  %5.2f%%", seed, knn * 100)
                    + zip(p, s).map { String(format: "        %6.2f%%  %6.2f%%", $0 * 100, $1 * 100) }.joined())
        }
        return fractions.indices.map { i in
            let p = pretrained.map { $0[i] }.reduce(0, +) / Double(seeds.count)
            let s = scratch.map { $0[i] }.reduce(0, +) / Double(seeds.count)
            return BenchRow(
                workload: "finetune-\(task.name)-\(Int((fractions[i] * 100).rounded()))pct",
                unit: "test accuracy, mean of \(seeds.count) seeds (pre-train \(task.pretrainEpochs) epochs, "
                    + "fine-tune \(epochs))",
                ours: p, reference: s, referenceName: "from scratch", higherIsBetter: true,
                extra: ["pretrained": p, "scratch": s])
        }
    }
}
