import MocoTensor

/// Images with integer class labels: `images` is `[N, C, H, W]`, `labels` has N entries.
public struct LabeledImages {
    public let images: Tensor
    public let labels: [Int]
    /// Class names, indexed by label.
    public let classes: [String]

    public init(images: Tensor, labels: [Int], classes: [String]) {
        self.images = images
        self.labels = labels
        self.classes = classes
    }

    /// Number of images.
    public var count: Int { labels.count }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> LabeledImages {
        LabeledImages(
            images: try images.indexSelect(axis: 0, indices), labels: indices.map { labels[$0] }, classes: classes)
    }

    /// The first `n` images of a seeded shuffle (a random subset of size `n`).
    public func subset(_ n: Int, seed: UInt64) throws -> LabeledImages {
        try subset(try subsetPositions(n, seed: seed))
    }

    /// The positions `subset(n, seed:)` keeps, in order.
    public func subsetPositions(_ n: Int, seed: UInt64) throws -> [Int] {
        guard (0...count).contains(n) else {
            throw PipelineError("subset", "size \(n) is not between 0 and the \(count) images")
        }
        var rng = RandomGenerator(seed: seed)
        return Array(rng.permutation(count).prefix(n))
    }

    /// A seeded random split into `count - testCount` and `testCount` images.
    public func split(testCount: Int, seed: UInt64) throws -> (train: LabeledImages, test: LabeledImages) {
        let (train, test) = try splitPositions(testCount: testCount, seed: seed)
        return (try subset(train), try subset(test))
    }

    /// The positions of the two parts of `split(testCount:seed:)`, in order.
    public func splitPositions(testCount: Int, seed: UInt64) throws -> (train: [Int], test: [Int]) {
        guard (0...count).contains(testCount) else {
            throw PipelineError("split", "test size \(testCount) is not between 0 and the \(count) images")
        }
        var rng = RandomGenerator(seed: seed)
        let order = rng.permutation(count)
        return (Array(order.dropFirst(testCount)), Array(order.prefix(testCount)))
    }

    /// Per-channel mean and standard deviation over all images and pixels (for `Normalize`).
    public func channelStatistics() throws -> (mean: [Float], std: [Float]) {
        let mean = try images.mean(axes: [0, 2, 3])
        let std = try images.variance(axes: [0, 2, 3], unbiased: false).sqrt()
        return (mean.scalars, std.scalars)
    }
}
