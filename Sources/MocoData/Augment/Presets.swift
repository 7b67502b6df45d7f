import MocoTensor

/// Named augmentation recipes (sizes and blur kernels scale with `size`).
public enum Presets {
    public static let imagenetMean: [Float] = [0.485, 0.456, 0.406], imagenetStd: [Float] = [0.229, 0.224, 0.225]
    public static let cifarMean: [Float] = [0.4914, 0.4822, 0.4465], cifarStd: [Float] = [0.2023, 0.1994, 0.2010]

    /// An odd blur kernel of about a tenth of the image size, as MoCo v2 (23 at 224).
    static func blurKernel(_ size: Int) -> Int { max(3, (size / 10) | 1) }

    /// MoCo v1 (main_moco.py): crop scale 0.2-1, grayscale 0.2, colour jitter 0.4 each, flip, normalise.
    public static func v1(size: Int = 224, mean: [Float] = imagenetMean, std: [Float] = imagenetStd) throws -> Pipeline
    {
        Pipeline([
            try RandomResizedCrop(size, scale: 0.2...1), try RandomGrayscale(p: 0.2),
            try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.4), try HorizontalFlip(),
            try Normalize(mean: mean, std: std)
        ])
    }

    /// MoCo v2: crop scale 0.2-1, jitter (0.4, 0.4, 0.4, 0.1) with p 0.8, grayscale 0.2, blur
    /// (sigma 0.1-2) with p 0.5, flip, normalise.
    public static func v2(size: Int = 224, mean: [Float] = imagenetMean, std: [Float] = imagenetStd) throws -> Pipeline
    {
        Pipeline([
            try RandomResizedCrop(size, scale: 0.2...1),
            try RandomApply(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1), p: 0.8),
            try RandomGrayscale(p: 0.2), try RandomApply(GaussianBlur(kernel: blurKernel(size)), p: 0.5),
            try HorizontalFlip(), try Normalize(mean: mean, std: std)
        ])
    }

    /// MoCo v3's two asymmetric pipelines: crop scale 0.08-1, jitter (0.4, 0.4, 0.2, 0.1) with
    /// p 0.8, grayscale 0.2, blur with p 1.0 / 0.1, solarize with p 0 / 0.2, flip, normalise.
    public static func v3(size: Int = 224, mean: [Float] = imagenetMean, std: [Float] = imagenetStd) throws -> (
        Pipeline, Pipeline
    ) {
        func make(blur: Float, solarize: Float) throws -> Pipeline {
            var steps: [any Augmentation] = [
                try RandomResizedCrop(size, scale: 0.08...1),
                try RandomApply(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1), p: 0.8),
                try RandomGrayscale(p: 0.2), try RandomApply(GaussianBlur(kernel: blurKernel(size)), p: blur)
            ]
            if solarize > 0 { steps.append(try Solarize(threshold: 0.5, p: solarize)) }
            return Pipeline(steps + [try HorizontalFlip(), try Normalize(mean: mean, std: std)])
        }
        return (try make(blur: 1, solarize: 0), try make(blur: 0.1, solarize: 0.2))
    }

    /// The CIFAR-10 MoCo demo's pipeline (the W2/W3 augmentation): crop 32 scale 0.2-1, jitter
    /// (0.4, 0.4, 0.4, 0.1) with p 0.8, grayscale 0.2, flip, CIFAR normalisation.
    public static func cifar(size: Int = 32) throws -> Pipeline {
        Pipeline([
            try RandomResizedCrop(size, scale: 0.2...1),
            try RandomApply(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1), p: 0.8),
            try RandomGrayscale(p: 0.2), try HorizontalFlip(), try Normalize(mean: cifarMean, std: cifarStd)
        ])
    }

    /// The W1 digits recipe: RandomResizedCrop to 8x8 (scale 0.5-1, ratio 3/4-4/3), then
    /// Gaussian noise sigma 0.1 with probability 0.5; no flip.
    public static func digits() throws -> Pipeline {
        Pipeline([try RandomResizedCrop(8, scale: 0.5...1), try RandomApply(GaussianNoise(0.1), p: 0.5)])
    }
}
