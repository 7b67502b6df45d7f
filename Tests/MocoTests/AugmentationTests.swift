import Foundation
import Moco
import MocoData
import MocoNN
import MocoTensor
import MocoTestSupport
import Testing

@Suite("Augmentations")
struct AugmentationTests {
    /// Crop-and-resize against torchvision's tensor path (crop, then bilinear with
    /// antialias): upscaling, downscaling and same size.
    @Test(arguments: [("up", 1, 2, 5, 6, 8), ("down", 0, 1, 9, 10, 4), ("same", 2, 3, 7, 7, 7)])
    func resizedCropMatchesTorchvision(_ c: (String, Int, Int, Int, Int, Int)) throws {
        let f = try mocoFixture()
        let img = try #require(f["image"])
        let image = Image(channels: 3, height: 9, width: 11, pixels: img.scalars)
        let out = try RandomResizedCrop(c.5).resize(image, top: c.1, left: c.2, height: c.3, width: c.4)
        let expected = try #require(f["crop_" + c.0])
        #expect(out.height == c.5 && out.width == c.5)
        expectClose(try Tensor(shape: [3, c.5, c.5], scalars: out.pixels), expected, tolerance: 1e-5)
    }

    @Test func cropBoxesFollowTheirRanges() throws {
        let crop = try RandomResizedCrop(8, scale: 0.5...1)
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<500 {
            let b = crop.box(height: 8, width: 8, using: &rng)
            #expect(b.height > 0 && b.width > 0 && b.top + b.height <= 8 && b.left + b.width <= 8)
            #expect(Double(b.height * b.width) >= 0.5 * 64 * 0.6)
        }
        // An impossible ratio falls back to the central crop clamped to the ratio.
        let wide = try RandomResizedCrop(4, scale: 0.99...1, ratio: 3...4)
        let b = wide.box(height: 8, width: 8, using: &rng)
        #expect(b.width == 8 && b.height == 3 && b.top == 2 && b.left == 0)
    }

    @Test func flipNoiseAndNormalize() throws {
        var rng = RandomGenerator(seed: 4)
        var image = Image(channels: 1, height: 1, width: 3, pixels: [1, 2, 3])
        try HorizontalFlip(p: 1).apply(&image, using: &rng)
        #expect(image.pixels == [3, 2, 1])
        try Normalize(mean: [2], std: [0.5]).apply(&image, using: &rng)
        #expect(image.pixels == [2, 0, -2])
        var big = Image(channels: 1, height: 100, width: 100, pixels: Array(repeating: 0, count: 10_000))
        try GaussianNoise(0.1).apply(&big, using: &rng)
        let std = (big.pixels.map { $0 * $0 }.reduce(0, +) / 10_000).squareRoot()
        #expect(abs(std - 0.1) < 0.005)
        #expect(throws: PipelineError.self) { try RandomApply(GaussianNoise(0.1), p: 2) }
        #expect(
            try Presets.digits().description
                == "random_resized_crop(8, scale: 0.5..1.0, ratio: 0.75..1.33) -> random_apply(gaussian_noise(0.1), p: 0.5)"
        )
    }
}

/// Colour operations against torchvision's tensor code path, with the factors given.
@Suite("Colour augmentations against torchvision")
struct ColorAugmentationTests {
    func fixture() throws -> [String: Tensor] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(
            "augment.safetensors")
        var out: [String: Tensor] = [:]
        for (name, t) in try SafeTensors.read(url).tensors { if case .float(let x) = t { out[name] = x } }
        return out
    }

    func check(_ name: String, tolerance: Float = 1e-5, _ op: (inout Image) throws -> Void) throws {
        let f = try fixture()
        let img = try #require(f["image"])
        var image = Image(channels: 3, height: 9, width: 11, pixels: img.scalars)
        try op(&image)
        let expected = try #require(f[name])
        expectClose(
            try Tensor(shape: [image.channels, image.height, image.width], scalars: image.pixels), expected,
            tolerance: tolerance, name)
    }

    @Test func singleAdjustments() throws {
        try check("brightness") {
            ColorJitter.adjust(&$0, order: [0], brightness: 1.3, contrast: nil, saturation: nil, hue: nil)
        }
        try check("contrast") {
            ColorJitter.adjust(&$0, order: [1], brightness: nil, contrast: 0.7, saturation: nil, hue: nil)
        }
        try check("saturation") {
            ColorJitter.adjust(&$0, order: [2], brightness: nil, contrast: nil, saturation: 1.4, hue: nil)
        }
        try check("hue", tolerance: 1e-4) {
            ColorJitter.adjust(&$0, order: [3], brightness: nil, contrast: nil, saturation: nil, hue: 0.07)
        }
        try check("hue_neg", tolerance: 1e-4) {
            ColorJitter.adjust(&$0, order: [3], brightness: nil, contrast: nil, saturation: nil, hue: -0.09)
        }
        try check("grayscale") { RandomGrayscale.gray(&$0) }
        try check("blur") { try GaussianBlur(kernel: 5).blur(&$0, sigma: 1.3) }
        var rng = RandomGenerator(seed: 0)
        try check("solarize") { try Solarize(threshold: 0.5, p: 1).apply(&$0, using: &rng) }
    }

    @Test func jitterInTheGivenOrder() throws {
        try check("jitter_2031", tolerance: 1e-4) {
            ColorJitter.adjust(&$0, order: [2, 0, 3, 1], brightness: 0.8, contrast: 1.25, saturation: 0.6, hue: -0.05)
        }
    }

    @Test func presetsBuildAndKeepSizes() throws {
        var rng = RandomGenerator(seed: 5)
        let image = Image(channels: 3, height: 40, width: 36, pixels: (0..<(3 * 40 * 36)).map { Float($0 % 97) / 97 })
        for p in [
            try Presets.cifar(), try Presets.v2(size: 32), try Presets.v1(size: 32), try Presets.v3(size: 32).0,
            try Presets.v3(size: 32).1
        ] {
            var x = image
            p.apply(&x, using: &rng)
            #expect(x.channels == 3 && x.height == 32 && x.width == 32 && x.pixels.allSatisfy(\.isFinite))
        }
        #expect(throws: PipelineError.self) { try GaussianBlur(kernel: 4) }
    }
}
