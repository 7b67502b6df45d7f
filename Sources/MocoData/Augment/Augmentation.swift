import MocoTensor

/// One image as the augmentations see it: `channels x height x width` floats, row-major.
public struct Image: Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var pixels: [Float]

    public init(channels: Int, height: Int, width: Int, pixels: [Float]) {
        (self.channels, self.height, self.width, self.pixels) = (channels, height, width, pixels)
    }

    /// Image `index` of a batch `[N, C, H, W]`.
    public init(_ batch: Tensor, index: Int) {
        let (c, h, w) = (batch.shape[1], batch.shape[2], batch.shape[3])
        let n = c * h * w
        pixels = batch.withUnsafeBufferPointer { Array($0[(index * n)..<((index + 1) * n)]) }
        (channels, height, width) = (c, h, w)
    }
}

/// A random image transform with torchvision's semantics. Every draw comes from the
/// generator it is given, so a pipeline is deterministic for a seed.
public protocol Augmentation: Sendable {
    /// Transforms `image` in place.
    func apply(_ image: inout Image, using rng: inout RandomGenerator)
    /// A short description (`random_resized_crop(8, scale: 0.5..1)`).
    var description: String { get }
    /// The channel count the transform is written for (`normalize` with three means), if any.
    var requiredChannels: Int? { get }
}

extension Augmentation {
    public var requiredChannels: Int? { nil }
}

/// Augmentations applied in order (`transforms.Compose`).
public struct Pipeline: Augmentation {
    public let steps: [any Augmentation]

    public init(_ steps: [any Augmentation]) { self.steps = steps }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        for s in steps { s.apply(&image, using: &rng) }
    }

    public var description: String { steps.map(\.description).joined(separator: " -> ") }

    public var requiredChannels: Int? { steps.lazy.compactMap(\.requiredChannels).first }
}

/// Applies `inner` with probability `p` (`transforms.RandomApply`).
public struct RandomApply: Augmentation {
    public let inner: any Augmentation
    public let p: Float

    public init(_ inner: any Augmentation, p: Float) throws {
        guard (0...1).contains(p) else { throw PipelineError("random_apply", "probability \(p) is not in [0, 1]") }
        (self.inner, self.p) = (inner, p)
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        if rng.nextFloat() < p { inner.apply(&image, using: &rng) }
    }

    public var description: String { "random_apply(\(inner.description), p: \(p))" }

    public var requiredChannels: Int? { inner.requiredChannels }
}
