import Foundation
import MocoTensor

/// `transforms.RandomResizedCrop(size, scale, ratio)`: a crop of random area (a fraction
/// in `scale` of the image) and aspect ratio (log-uniform in `ratio`), tried up to 10 times
/// and otherwise the central crop clamped to `ratio`, resized bilinearly (antialiased) to
/// `size x size`.
public struct RandomResizedCrop: Augmentation {
    public let size: Int
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>

    public init(_ size: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3))
        throws
    {
        guard size > 0, scale.lowerBound > 0, scale.upperBound <= 1, ratio.lowerBound > 0 else {
            throw PipelineError(
                "random_resized_crop", "needs a positive size, scale within (0, 1] and a positive ratio")
        }
        (self.size, self.scale, self.ratio) = (size, scale, ratio)
    }

    /// The crop box `(top, left, height, width)` torchvision's `get_params` draws.
    public func box(height: Int, width: Int, using rng: inout RandomGenerator) -> (
        top: Int, left: Int, height: Int, width: Int
    ) {
        let area = Double(height * width)
        let logRatio = (log(ratio.lowerBound), log(ratio.upperBound))
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * rng.nextDouble())
            let aspect = exp(logRatio.0 + (logRatio.1 - logRatio.0) * rng.nextDouble())
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let top = rng.nextInt(below: height - h + 1)
                let left = rng.nextInt(below: width - w + 1)
                return (top, left, h, w)
            }
        }
        let inRatio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }

    /// The crop `top..<top+height, left..<left+width` resized to `size x size` (torchvision's
    /// `resized_crop` on tensors, antialiased).
    public func resize(_ image: Image, top: Int, left: Int, height: Int, width: Int) throws -> Image {
        guard top >= 0, left >= 0, height > 0, width > 0, top + height <= image.height, left + width <= image.width
        else {
            throw PipelineError(
                "random_resized_crop",
                "crop \(height)x\(width) at (\(top), \(left)) is outside the \(image.height)x\(image.width) image")
        }
        return Resampler.resizedCrop(image, top: top, left: left, height: height, width: width, outH: size, outW: size)
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        let b = box(height: image.height, width: image.width, using: &rng)
        image = Resampler.resizedCrop(
            image, top: b.top, left: b.left, height: b.height, width: b.width, outH: size, outW: size)
    }

    public var description: String {
        "random_resized_crop(\(size), scale: \(scale.lowerBound)..\(scale.upperBound), ratio: \(String(format: "%.3g", ratio.lowerBound))..\(String(format: "%.3g", ratio.upperBound)))"
    }
}
