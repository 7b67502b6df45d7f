import Foundation
import MocoTensor

/// torchvision's colour operations on `[C, H, W]` images in `[0, 1]` (the tensor code
/// path: `_blend`, `rgb_to_grayscale`, `_rgb2hsv` / `_hsv2rgb`).
enum Color {
    static func blend(_ a: inout [Float], _ b: (Int) -> Float, ratio: Float) {
        for i in a.indices { a[i] = min(max(ratio * a[i] + (1 - ratio) * b(i), 0), 1) }
    }

    /// ITU-R 601-2 luma `0.2989 R + 0.587 G + 0.114 B`, one plane.
    static func luma(_ image: Image) -> [Float] {
        let n = image.height * image.width
        return (0..<n).map {
            0.2989 * image.pixels[$0] + 0.587 * image.pixels[n + $0] + 0.114 * image.pixels[2 * n + $0]
        }
    }

    static func brightness(_ image: inout Image, _ f: Float) { blend(&image.pixels, { _ in 0 }, ratio: f) }

    static func contrast(_ image: inout Image, _ f: Float) {
        let plane = image.channels == 3 ? luma(image) : image.pixels
        let mean = plane.reduce(0, +) / Float(plane.count)
        blend(&image.pixels, { _ in mean }, ratio: f)
    }

    static func saturation(_ image: inout Image, _ f: Float) {
        guard image.channels == 3 else { return }
        let gray = luma(image)
        let n = gray.count
        blend(&image.pixels, { gray[$0 % n] }, ratio: f)
    }

    static func hue(_ image: inout Image, _ shift: Float) {
        guard image.channels == 3 else { return }
        let n = image.height * image.width
        for p in 0..<n {
            let r = image.pixels[p]
            let g = image.pixels[n + p]
            let b = image.pixels[2 * n + p]
            let maxc = max(r, g, b)
            let minc = min(r, g, b)
            let eq = maxc == minc
            let cr = maxc - minc
            let s = cr / (eq ? 1 : maxc)
            let d = eq ? 1 : cr
            let rc = (maxc - r) / d
            let gc = (maxc - g) / d
            let bc = (maxc - b) / d
            var h: Float = maxc == r ? bc - gc : (maxc == g ? 2 + rc - bc : 4 + gc - rc)
            h = fmodf(h / 6 + 1, 1)
            h = fmodf(h + shift, 1)
            if h < 0 { h += 1 }
            let v = maxc
            let i6 = floorf(h * 6)
            let f = h * 6 - i6
            let pp = min(max(v * (1 - s), 0), 1)
            let q = min(max(v * (1 - s * f), 0), 1)
            let t = min(max(v * (1 - s * (1 - f)), 0), 1)
            let rgb: (Float, Float, Float)
            switch ((Int(i6) % 6) + 6) % 6 {
            case 0: rgb = (v, t, pp)
            case 1: rgb = (q, v, pp)
            case 2: rgb = (pp, v, t)
            case 3: rgb = (pp, q, v)
            case 4: rgb = (t, pp, v)
            default: rgb = (v, pp, q)
            }
            (image.pixels[p], image.pixels[n + p], image.pixels[2 * n + p]) = rgb
        }
    }
}

/// `transforms.ColorJitter(brightness, contrast, saturation, hue)`: factors drawn uniformly
/// from `[max(0, 1 - x), 1 + x]` (hue: `[-h, h]`), applied in a random order.
public struct ColorJitter: Augmentation {
    public let brightness: Float, contrast: Float, saturation: Float, hue: Float

    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0, hue: Float = 0) throws {
        guard brightness >= 0, contrast >= 0, saturation >= 0, (0...0.5).contains(hue) else {
            throw PipelineError("color_jitter", "strengths must be non-negative and hue at most 0.5")
        }
        (self.brightness, self.contrast, self.saturation, self.hue) = (brightness, contrast, saturation, hue)
    }

    /// Applies the four adjustments in `order` (0 brightness, 1 contrast, 2 saturation, 3 hue)
    /// with the given factors, as torchvision's forward does once it has drawn them.
    public static func adjust(
        _ image: inout Image, order: [Int], brightness b: Float?, contrast c: Float?,
        saturation s: Float?, hue h: Float?
    ) {
        for op in order {
            switch op {
            case 0: if let b { Color.brightness(&image, b) }
            case 1: if let c { Color.contrast(&image, c) }
            case 2: if let s { Color.saturation(&image, s) }
            default: if let h { Color.hue(&image, h) }
            }
        }
    }

    /// What one application draws, as torchvision's `ColorJitter.get_params`: the order of the four
    /// adjustments and each factor (nil for an adjustment of strength 0).
    public struct Draw {
        public let order: [Int]
        public let brightness: Float?, contrast: Float?, saturation: Float?, hue: Float?
    }

    public func draw(using rng: inout RandomGenerator) -> Draw {
        let order = rng.permutation(4)
        func factor(_ x: Float) -> Float? { x > 0 ? rng.uniform(max(0, 1 - x), 1 + x) : nil }
        let b = factor(brightness)
        let c = factor(contrast)
        let s = factor(saturation)
        let h: Float? = hue > 0 ? rng.uniform(-hue, hue) : nil
        return Draw(order: order, brightness: b, contrast: c, saturation: s, hue: h)
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        let d = draw(using: &rng)
        Self.adjust(
            &image, order: d.order, brightness: d.brightness, contrast: d.contrast, saturation: d.saturation, hue: d.hue
        )
    }

    public var description: String { "color_jitter(\(brightness), \(contrast), \(saturation), \(hue))" }
}

/// `transforms.RandomGrayscale(p)`: luma copied to every channel with probability `p`.
public struct RandomGrayscale: Augmentation {
    public let p: Float

    public init(p: Float = 0.1) throws {
        guard (0...1).contains(p) else { throw PipelineError("random_grayscale", "probability \(p) is not in [0, 1]") }
        self.p = p
    }

    /// The grayscale image with the same number of channels.
    public static func gray(_ image: inout Image) {
        guard image.channels == 3 else { return }
        let l = Color.luma(image)
        image.pixels = l + l + l
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        if rng.nextFloat() < p { Self.gray(&image) }
    }

    public var description: String { "random_grayscale(p: \(p))" }
}

/// `transforms.GaussianBlur(kernel, sigma)`: a Gaussian of standard deviation drawn
/// uniformly from `sigma`, truncated to `kernel` taps, with reflect padding.
public struct GaussianBlur: Augmentation {
    public let kernel: Int
    public let sigma: ClosedRange<Float>

    public init(kernel: Int, sigma: ClosedRange<Float> = 0.1...2) throws {
        guard kernel > 0, kernel % 2 == 1, sigma.lowerBound > 0 else {
            throw PipelineError("gaussian_blur", "needs an odd positive kernel size and positive sigma, got \(kernel)")
        }
        (self.kernel, self.sigma) = (kernel, sigma)
    }

    /// Blurs with standard deviation `s` (separable: rows, then columns).
    public func blur(_ image: inout Image, sigma s: Float) {
        let half = Float(kernel - 1) / 2
        var k = (0..<kernel).map { Foundation.exp(-0.5 * Foundation.pow((Float($0) - half) / s, 2)) }
        let total = k.reduce(0, +)
        k = k.map { $0 / total }
        let r = kernel / 2
        let (h, w) = (image.height, image.width)
        func reflect(_ i: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
            return i
        }
        var tmp = [Float](repeating: 0, count: h * w)
        for c in 0..<image.channels {
            let base = c * h * w
            for y in 0..<h {
                for x in 0..<w {
                    var s: Float = 0
                    for j in 0..<kernel { s += k[j] * image.pixels[base + y * w + reflect(x + j - r, w)] }
                    tmp[y * w + x] = s
                }
            }
            for y in 0..<h {
                for x in 0..<w {
                    var s: Float = 0
                    for j in 0..<kernel { s += k[j] * tmp[reflect(y + j - r, h) * w + x] }
                    image.pixels[base + y * w + x] = s
                }
            }
        }
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        blur(&image, sigma: rng.uniform(sigma.lowerBound, sigma.upperBound))
    }

    public var description: String { "gaussian_blur(\(kernel), sigma: \(sigma.lowerBound)..\(sigma.upperBound))" }
}

/// `transforms.RandomSolarize(threshold, p)`: pixels at or above `threshold` become `1 - x`.
public struct Solarize: Augmentation {
    public let threshold: Float
    public let p: Float

    public init(threshold: Float = 0.5, p: Float = 1) throws {
        guard (0...1).contains(p) else { throw PipelineError("solarize", "probability \(p) is not in [0, 1]") }
        (self.threshold, self.p) = (threshold, p)
    }

    public func apply(_ image: inout Image, using rng: inout RandomGenerator) {
        guard rng.nextFloat() < p else { return }
        for i in image.pixels.indices where image.pixels[i] >= threshold { image.pixels[i] = 1 - image.pixels[i] }
    }

    public var description: String { "solarize(\(threshold), p: \(p))" }
}
