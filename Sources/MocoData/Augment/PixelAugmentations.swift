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
            let m = mean[min(c, mean.count - 1)], s = std[min(c, std.count - 1)]
            for i in (c * plane)..<((c + 1) * plane) { image.pixels[i] = (image.pixels[i] - m) / s }
        }
    }

    public var description: String { "normalize(mean: \(mean), std: \(std))" }

    /// One mean per channel; a single mean applies to any number of channels.
    public var requiredChannels: Int? { mean.count > 1 ? mean.count : nil }
}

/// Named augmentation recipes (sizes and blur kernels scale with `size`).
public enum Presets {
    public static let imagenetMean: [Float] = [0.485, 0.456, 0.406], imagenetStd: [Float] = [0.229, 0.224, 0.225]
    public static let cifarMean: [Float] = [0.4914, 0.4822, 0.4465], cifarStd: [Float] = [0.2023, 0.1994, 0.2010]

    /// An odd blur kernel of about a tenth of the image size, as MoCo v2 (23 at 224).
    static func blurKernel(_ size: Int) -> Int { max(3, (size / 10) | 1) }

    /// MoCo v1 (main_moco.py): crop scale 0.2-1, grayscale 0.2, colour jitter 0.4 each, flip, normalise.
    public static func v1(size: Int = 224, mean: [Float] = imagenetMean, std: [Float] = imagenetStd) throws -> Pipeline {
        Pipeline([try RandomResizedCrop(size, scale: 0.2...1), try RandomGrayscale(p: 0.2),
                  try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.4), try HorizontalFlip(),
                  try Normalize(mean: mean, std: std)])
    }

    /// MoCo v2: crop scale 0.2-1, jitter (0.4, 0.4, 0.4, 0.1) with p 0.8, grayscale 0.2, blur
    /// (sigma 0.1-2) with p 0.5, flip, normalise.
    public static func v2(size: Int = 224, mean: [Float] = imagenetMean, std: [Float] = imagenetStd) throws -> Pipeline {
        Pipeline([try RandomResizedCrop(size, scale: 0.2...1),
                  try RandomApply(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1), p: 0.8),
                  try RandomGrayscale(p: 0.2), try RandomApply(GaussianBlur(kernel: blurKernel(size)), p: 0.5),
                  try HorizontalFlip(), try Normalize(mean: mean, std: std)])
    }

    /// MoCo v3's two asymmetric pipelines: crop scale 0.08-1, jitter (0.4, 0.4, 0.2, 0.1) with
    /// p 0.8, grayscale 0.2, blur with p 1.0 / 0.1, solarize with p 0 / 0.2, flip, normalise.
    public static func v3(size: Int = 224, mean: [Float] = imagenetMean, std: [Float] = imagenetStd) throws -> (Pipeline, Pipeline) {
        func make(blur: Float, solarize: Float) throws -> Pipeline {
            var steps: [any Augmentation] = [try RandomResizedCrop(size, scale: 0.08...1),
                                             try RandomApply(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1), p: 0.8),
                                             try RandomGrayscale(p: 0.2), try RandomApply(GaussianBlur(kernel: blurKernel(size)), p: blur)]
            if solarize > 0 { steps.append(try Solarize(threshold: 0.5, p: solarize)) }
            return Pipeline(steps + [try HorizontalFlip(), try Normalize(mean: mean, std: std)])
        }
        return (try make(blur: 1, solarize: 0), try make(blur: 0.1, solarize: 0.2))
    }

    /// The CIFAR-10 MoCo demo's pipeline (the W2/W3 augmentation): crop 32 scale 0.2-1, jitter
    /// (0.4, 0.4, 0.4, 0.1) with p 0.8, grayscale 0.2, flip, CIFAR normalisation.
    public static func cifar(size: Int = 32) throws -> Pipeline {
        Pipeline([try RandomResizedCrop(size, scale: 0.2...1),
                  try RandomApply(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1), p: 0.8),
                  try RandomGrayscale(p: 0.2), try HorizontalFlip(), try Normalize(mean: cifarMean, std: cifarStd)])
    }

    /// The W1 digits recipe: RandomResizedCrop to 8x8 (scale 0.5-1, ratio 3/4-4/3), then
    /// Gaussian noise sigma 0.1 with probability 0.5; no flip.
    public static func digits() throws -> Pipeline {
        Pipeline([try RandomResizedCrop(8, scale: 0.5...1), try RandomApply(GaussianNoise(0.1), p: 0.5)])
    }
}
