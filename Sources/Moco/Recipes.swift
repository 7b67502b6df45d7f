import MocoData
import MocoNN
import MocoTensor

/// Ready-made training setups, so the demo, the benchmarks and the tests build the same run.
public enum Recipes {
    /// The W1 digits recipe of the benchmarks (shared/bench/README.md): convnet 32-64-128 with
    /// split batch norm (8 splits), MLP head 128-128-64, K 1024, m 0.99, T 0.2, batch 256, SGD
    /// (lr 0.06, momentum 0.9, weight decay 5e-4) with the demo's per-epoch cosine over
    /// `epochs`, the `digits` augmentation for both views. Every draw derives from `seed`.
    public static func digitsW1(train: LabeledImages, seed: UInt64, epochs: Int, lr: Double = 0.06) throws
        -> MoCoTrainer
    {
        try demo(
            train: train, seed: seed, epochs: epochs, lr: lr, queue: 1024, temperature: 0.2, views: try Presets.digits()
        ) { rng in
            let encoder = try ConvNet(
                channels: [32, 64, 128], inputChannels: 1, classes: 64, norm: .splitBatchNorm(splits: 8),
                using: &rng)
            encoder.fc = try Heads.v2(128, dim: 64, using: &rng)
            return encoder
        }
    }

    /// The Fashion-MNIST recipe of the fine-tuning benchmark and `notebooks/finetune.moco`: the W1 convnet and head on
    /// 28x28 grayscale images, K 4096, T 0.2, the demo's setup with lr 0.06, views of a random resized crop (scale
    /// 0.4-1), a horizontal flip and Gaussian noise (sigma 0.05, p 0.5).
    public static func fashionMNIST(train: LabeledImages, seed: UInt64, epochs: Int, lr: Double = 0.06) throws
        -> MoCoTrainer
    {
        let views = Pipeline([
            try RandomResizedCrop(28, scale: 0.4...1), try HorizontalFlip(),
            try RandomApply(GaussianNoise(0.05), p: 0.5)
        ])
        return try demo(
            train: train, seed: seed, epochs: epochs, lr: lr, queue: 4096, temperature: 0.2, views: views
        ) { rng in
            let encoder = try ConvNet(
                channels: [32, 64, 128], inputChannels: 1, classes: 64, norm: .splitBatchNorm(splits: 8),
                using: &rng)
            encoder.fc = try Heads.v2(128, dim: 64, using: &rng)
            return encoder
        }
    }

    /// The CIFAR-10 recipe of issue #15 and of the CIFAR-10 MoCo demo: ResNet-18 with the CIFAR stem at
    /// width 16, split batch norm (8 splits) with key shuffle, v2 MLP head 128-128-128, K 4096, m 0.99,
    /// T 0.1, batch 256, SGD (lr 0.06, momentum 0.9, weight decay 5e-4) with the demo's per-epoch cosine
    /// over `epochs`, the `cifar` augmentation for both views. Evaluate on `evaluationImages`.
    public static func cifar10(train: LabeledImages, seed: UInt64, epochs: Int, lr: Double = 0.06) throws -> MoCoTrainer
    {
        try demo(
            train: train, seed: seed, epochs: epochs, lr: lr, queue: 4096, temperature: 0.1, views: try Presets.cifar()
        ) { rng in
            let encoder = try ResNet(
                width: 16, stem: .cifar, inputChannels: 3, classes: 128, norm: .splitBatchNorm(splits: 8),
                using: &rng)
            encoder.fc = try Heads.v2(128, dim: 128, using: &rng)
            return encoder
        }
    }

    /// The CIFAR-10 MoCo demo's setup around an encoder: MoCo v2 with key shuffle, m 0.99, batch 256, SGD (momentum
    /// 0.9, weight decay 5e-4) with the per-epoch cosine over `epochs`, `views` for both views. The encoder draws
    /// from the `init` stream of `seed`, the queue from `moco`, the data from `data`.
    static func demo(
        train: LabeledImages, seed: UInt64, epochs: Int, lr: Double, queue: Int, temperature: Float,
        views: Pipeline, encoder: (inout RandomGenerator) throws -> any Encoder
    ) throws -> MoCoTrainer {
        let root = RandomGenerator(seed: seed)
        var initRNG = root.stream("init")
        var mocoRNG = root.stream("moco")
        let model = try MoCo(
            encoder: try encoder(&initRNG), queueSize: queue, temperature: temperature, using: &mocoRNG)
        let loader = try ViewLoader(
            images: train.images, batchSize: 256, pipelines: [views, views], seed: root.stream("data"))
        let sgd = try SGD(model.trainableParameters(), lr: Float(lr), momentum: 0.9, weightDecay: 5e-4)
        return try MoCoTrainer(
            model: model, optimizer: sgd, loader: loader, lr: .cosine(lr, epochs: Double(epochs)),
            lrUpdate: .perEpoch, momentum: .constant(0.99))
    }

    /// `images` as the recipes evaluate them: through the evaluation transform of the `cifar` pipeline
    /// (its normalisation), as the demo's test transform.
    public static func cifar10EvaluationImages(_ images: Tensor) throws -> Tensor {
        guard let transform = EvaluationTransform.of(try Presets.cifar()) else { return images }
        return try EvaluationTransform.apply(transform, to: images)
    }

    /// `data` with its images as the recipes evaluate them (`cifar10EvaluationImages`).
    public static func cifar10Evaluation(_ data: LabeledImages) throws -> LabeledImages {
        LabeledImages(images: try cifar10EvaluationImages(data.images), labels: data.labels, classes: data.classes)
    }
}
