import MocoTensor

/// The deterministic part of a training pipeline, as a torchvision user writes the test
/// transform beside the training one: `Normalize` as it is, and a resize of the whole image to
/// the size a `RandomResizedCrop` makes; every random step (crops, jitter, flips, blur, noise)
/// is left out. Evaluations (kNN, linear probe, features, t-SNE) encode images through it, so a
/// model trained on normalised views is measured on normalised images.
public enum EvaluationTransform {
    /// The evaluation transform of `pipeline`, or nil when it has no deterministic part.
    public static func of(_ pipeline: any Augmentation) -> Pipeline? {
        let steps = parts(pipeline)
        return steps.isEmpty ? nil : Pipeline(steps)
    }

    private static func parts(_ step: any Augmentation) -> [any Augmentation] {
        switch step {
        case let p as Pipeline: return p.steps.flatMap(parts)
        case let n as Normalize: return [n]
        case let r as Resize: return [r]
        case let c as RandomResizedCrop: return [Resize(c.size)]
        default: return []
        }
    }

    /// `images` `[N, C, H, W]` through `transform`, image by image on the engine's threads. A
    /// random step (in a pipeline given explicitly) draws from a generator seeded by the image's
    /// index, so the result does not depend on the thread count.
    public static func apply(_ transform: any Augmentation, to images: Tensor) throws -> Tensor {
        guard images.rank == 4, images.shape[0] > 0 else { return images }
        // Resizes to the size the images already have change nothing: skip the copy.
        let steps = (transform as? Pipeline)?.steps ?? [transform]
        if steps.allSatisfy({
            ($0 as? Resize).map { $0.size == images.shape[2] && $0.size == images.shape[3] } ?? false
        }) {
            return images
        }
        var out = [Image?](repeating: nil, count: images.shape[0])
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = buffer.baseAddress!
            Threads.parallelFor(images.shape[0]) { range in
                for i in range {
                    var rng = RandomGenerator(seed: UInt64(i))
                    var image = Image(images, index: i)
                    transform.apply(&image, using: &rng)
                    slots[i] = image
                }
            }
        }
        let first = out[0]!
        return try Tensor(
            shape: [out.count, first.channels, first.height, first.width], scalars: out.flatMap { $0!.pixels })
    }
}

/// The whole image resized to `size x size` (bilinear, antialiased, as `RandomResizedCrop`
/// resamples); an image of that size is left as it is.
public struct Resize: Augmentation {
    public let size: Int

    public init(_ size: Int) { self.size = max(1, size) }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        guard image.height != size || image.width != size else { return }
        image = Resampler.resizedCrop(
            image, top: 0, left: 0, height: image.height, width: image.width, outH: size, outW: size)
    }

    public var description: String { "resize(\(size))" }
}
