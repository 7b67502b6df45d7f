import MocoTensor

/// Adds Gaussian noise with standard deviation `sigma` to every pixel (no clamping).
public struct GaussianNoise: Augmentation {
    public let sigma: Float

    public init(_ sigma: Float) throws {
        guard sigma >= 0 else { throw PipelineError("gaussian_noise", "sigma \(sigma) is negative") }
        self.sigma = sigma
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        for i in image.pixels.indices { image.pixels[i] += sigma * Float(rng.nextNormal()) }
    }

    public var description: String { "gaussian_noise(\(sigma))" }
}

/// Mirrors the image left-right with probability `p` (`transforms.RandomHorizontalFlip`).
public struct HorizontalFlip: Augmentation {
    public let p: Float

    public init(p: Float = 0.5) throws {
        guard (0...1).contains(p) else { throw PipelineError("horizontal_flip", "probability \(p) is not in [0, 1]") }
        self.p = p
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        guard rng.nextFloat() < p else { return }
        for c in 0..<image.channels {
            for y in 0..<image.height {
                let row = (c * image.height + y) * image.width
                image.pixels[row..<(row + image.width)].reverse()
            }
        }
    }

    public var description: String { "horizontal_flip(p: \(p))" }
}

/// `(x - mean[c]) / std[c]` per channel (`transforms.Normalize`).
public struct Normalize: Augmentation {
    public let mean: [Float]
    public let std: [Float]

    public init(mean: [Float], std: [Float]) throws {
        guard mean.count == std.count, !mean.isEmpty, std.allSatisfy({ $0 > 0 }) else {
            throw PipelineError("normalize", "needs one mean and one positive std per channel")
        }
        (self.mean, self.std) = (mean, std)
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        let plane = image.height * image.width
        for c in 0..<image.channels {
            let m = mean[min(c, mean.count - 1)]
            let s = std[min(c, std.count - 1)]
            for i in (c * plane)..<((c + 1) * plane) { image.pixels[i] = (image.pixels[i] - m) / s }
        }
    }

    public var description: String { "normalize(mean: \(mean), std: \(std))" }

    /// One mean per channel; a single mean applies to any number of channels.
    public var requiredChannels: Int? { mean.count > 1 ? mean.count : nil }
}
