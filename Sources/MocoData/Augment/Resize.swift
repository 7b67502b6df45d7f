import Foundation

/// Bilinear resampling with antialiasing (`torch.nn.functional.interpolate(mode="bilinear",
/// align_corners=False, antialias=True)`): a separable triangle filter whose support
/// widens with the downscaling factor; for upscaling it is plain bilinear interpolation.
enum Resampler {
    /// For each output index along one axis: the first input index and the normalised weights.
    static func weights(input: Int, output: Int) -> [(start: Int, weights: [Float])] {
        let scale = Double(input) / Double(output)
        let support = max(scale, 1.0)
        return (0..<output).map { i in
            let center = (Double(i) + 0.5) * scale
            let lo = max(Int((center - support + 0.5).rounded(.down)), 0)
            let hi = min(Int((center + support + 0.5).rounded(.down)), input)
            var w: [Double] = []
            for j in lo..<max(hi, lo) {
                let x = (Double(j) - center + 0.5) / support
                w.append(max(0, 1 - abs(x)))
            }
            let total = w.reduce(0, +)
            return (lo, w.map { Float(total > 0 ? $0 / total : 0) })
        }
    }

    /// Resizes the crop `top..<top+h, left..<left+w` of `image` to `outH x outW`.
    static func resizedCrop(_ image: Image, top: Int, left: Int, height h: Int, width w: Int, outH: Int, outW: Int)
        -> Image
    {
        let rows = weights(input: h, output: outH)
        let cols = weights(input: w, output: outW)
        var out = [Float](repeating: 0, count: image.channels * outH * outW)
        var tmp = [Float](repeating: 0, count: h * outW)
        for c in 0..<image.channels {
            let plane = c * image.height * image.width
            for y in 0..<h {
                let row = plane + (top + y) * image.width + left
                for (x, col) in cols.enumerated() {
                    var s: Float = 0
                    for (k, wt) in col.weights.enumerated() { s += wt * image.pixels[row + col.start + k] }
                    tmp[y * outW + x] = s
                }
            }
            for (y, r) in rows.enumerated() {
                for x in 0..<outW {
                    var s: Float = 0
                    for (k, wt) in r.weights.enumerated() { s += wt * tmp[(r.start + k) * outW + x] }
                    out[c * outH * outW + y * outW + x] = s
                }
            }
        }
        return Image(channels: image.channels, height: outH, width: outW, pixels: out)
    }
}
