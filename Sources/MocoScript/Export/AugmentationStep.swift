import MocoData

/// One augmentation as an exported recipe writes it: `{"op": "random_resized_crop", "size": 32, ...}` with the
/// parameters of the matching torchvision transform.
public indirect enum AugmentationStep: Codable, Equatable {
    case randomResizedCrop(size: Int, scale: [Double], ratio: [Double])
    case resize(size: Int)
    case horizontalFlip(p: Float)
    case colorJitter(brightness: Float, contrast: Float, saturation: Float, hue: Float)
    case grayscale(p: Float)
    case gaussianBlur(kernel: Int, sigma: [Float])
    case solarize(threshold: Float, p: Float)
    case gaussianNoise(sigma: Float)
    case normalize(mean: [Float], std: [Float])
    case randomApply(p: Float, steps: [AugmentationStep])

    /// The steps of `augmentation` (a pipeline is flattened); an augmentation this format does not know is refused.
    static func steps(of augmentation: any Augmentation) throws -> [AugmentationStep] {
        switch augmentation {
        case let a as Pipeline: return try a.steps.flatMap(steps)
        case let a as RandomResizedCrop:
            return [
                .randomResizedCrop(
                    size: a.size, scale: [a.scale.lowerBound, a.scale.upperBound],
                    ratio: [a.ratio.lowerBound, a.ratio.upperBound])
            ]
        case let a as Resize: return [.resize(size: a.size)]
        case let a as HorizontalFlip: return [.horizontalFlip(p: a.p)]
        case let a as ColorJitter:
            return [.colorJitter(brightness: a.brightness, contrast: a.contrast, saturation: a.saturation, hue: a.hue)]
        case let a as RandomGrayscale: return [.grayscale(p: a.p)]
        case let a as GaussianBlur:
            return [.gaussianBlur(kernel: a.kernel, sigma: [a.sigma.lowerBound, a.sigma.upperBound])]
        case let a as Solarize: return [.solarize(threshold: a.threshold, p: a.p)]
        case let a as GaussianNoise: return [.gaussianNoise(sigma: a.sigma)]
        case let a as Normalize: return [.normalize(mean: a.mean, std: a.std)]
        case let a as RandomApply: return [.randomApply(p: a.p, steps: try steps(of: a.inner))]
        default: throw ExportError("the augmentation \(augmentation.description) has no PyTorch counterpart here")
        }
    }

    private enum Key: String, CodingKey {
        case op, size, scale, ratio, p, brightness, contrast, saturation, hue, kernel, sigma, threshold, mean, std
        case steps
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .randomResizedCrop(let size, let scale, let ratio):
            try c.encode("random_resized_crop", forKey: .op)
            try c.encode(size, forKey: .size)
            try c.encode(scale, forKey: .scale)
            try c.encode(ratio, forKey: .ratio)
        case .resize(let size):
            try c.encode("resize", forKey: .op)
            try c.encode(size, forKey: .size)
        case .horizontalFlip(let p):
            try c.encode("horizontal_flip", forKey: .op)
            try c.encode(p, forKey: .p)
        case .colorJitter(let brightness, let contrast, let saturation, let hue):
            try c.encode("color_jitter", forKey: .op)
            try c.encode(brightness, forKey: .brightness)
            try c.encode(contrast, forKey: .contrast)
            try c.encode(saturation, forKey: .saturation)
            try c.encode(hue, forKey: .hue)
        case .grayscale(let p):
            try c.encode("grayscale", forKey: .op)
            try c.encode(p, forKey: .p)
        case .gaussianBlur(let kernel, let sigma):
            try c.encode("gaussian_blur", forKey: .op)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(sigma, forKey: .sigma)
        case .solarize(let threshold, let p):
            try c.encode("solarize", forKey: .op)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(p, forKey: .p)
        case .gaussianNoise(let sigma):
            try c.encode("gaussian_noise", forKey: .op)
            try c.encode(sigma, forKey: .sigma)
        case .normalize(let mean, let std):
            try c.encode("normalize", forKey: .op)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
        case .randomApply(let p, let steps):
            try c.encode("random_apply", forKey: .op)
            try c.encode(p, forKey: .p)
            try c.encode(steps, forKey: .steps)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        switch try c.decode(String.self, forKey: .op) {
        case "random_resized_crop":
            self = .randomResizedCrop(
                size: try c.decode(Int.self, forKey: .size), scale: try c.decode([Double].self, forKey: .scale),
                ratio: try c.decode([Double].self, forKey: .ratio))
        case "resize": self = .resize(size: try c.decode(Int.self, forKey: .size))
        case "horizontal_flip": self = .horizontalFlip(p: try c.decode(Float.self, forKey: .p))
        case "color_jitter":
            self = .colorJitter(
                brightness: try c.decode(Float.self, forKey: .brightness),
                contrast: try c.decode(Float.self, forKey: .contrast),
                saturation: try c.decode(Float.self, forKey: .saturation), hue: try c.decode(Float.self, forKey: .hue))
        case "grayscale": self = .grayscale(p: try c.decode(Float.self, forKey: .p))
        case "gaussian_blur":
            self = .gaussianBlur(
                kernel: try c.decode(Int.self, forKey: .kernel), sigma: try c.decode([Float].self, forKey: .sigma))
        case "solarize":
            self = .solarize(
                threshold: try c.decode(Float.self, forKey: .threshold), p: try c.decode(Float.self, forKey: .p))
        case "gaussian_noise": self = .gaussianNoise(sigma: try c.decode(Float.self, forKey: .sigma))
        case "normalize":
            self = .normalize(
                mean: try c.decode([Float].self, forKey: .mean), std: try c.decode([Float].self, forKey: .std))
        case "random_apply":
            self = .randomApply(
                p: try c.decode(Float.self, forKey: .p), steps: try c.decode([AugmentationStep].self, forKey: .steps))
        case let op:
            throw DecodingError.dataCorruptedError(forKey: .op, in: c, debugDescription: "unknown augmentation \(op)")
        }
    }
}
