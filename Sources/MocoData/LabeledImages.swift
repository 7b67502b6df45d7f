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
        LabeledImages(images: try images.indexSelect(axis: 0, indices), labels: indices.map { labels[$0] }, classes: classes)
    }
}
