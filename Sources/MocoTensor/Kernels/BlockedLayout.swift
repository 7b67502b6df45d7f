import CDNNL
import Foundation

/// oneDNN's channel-blocked layouts for `[N, C, H, W]` activations: `nChw8c` (AVX2) and `nChw16c` (AVX-512)
/// store `[N, C / b, H, W, b]`, so the `b` channels of one pixel are one vector. Convolutions leave their
/// results in the layout their primitive chose when it is one of these and `C` is a multiple of `b`; batch
/// norm, ReLU, the residual add and global average pooling work in it directly, so a ResNet reorders only at
/// its edges. Every other reader gets row-major values (`Tensor.storage`).
enum BlockedLayout {
    /// The channel blocks a tensor may carry.
    static let blockings = [8, 16]

    /// The oneDNN descriptor of `shape` (`[N, C, H, W]`) stored with `blocking`: row-major for 1.
    static func descriptor(_ shape: [Int], blocking: Int, op: String) throws -> dnnl_memory_desc_t {
        let tag: dnnl_format_tag_t
        switch blocking {
        case 8: tag = dnnl_nChw8c
        case 16: tag = dnnl_nChw16c
        default: tag = dnnl_nchw
        }
        return try plainDescriptor(shape, tag, op: op)
    }

    /// The blocking (8 or 16) of `md`, a layout a primitive chose for a tensor of `shape`, when it is one a
    /// tensor can carry; nil otherwise (the result is then reordered to row-major).
    static func blocking(of md: dnnl_memory_desc_t, shape: [Int]) -> Int? {
        guard shape.count == 4 else { return nil }
        for b in blockings where shape[1] % b == 0 {
            guard var want = try? descriptor(shape, blocking: b, op: "layout") else { continue }
            var have = md
            if dnnl_memory_desc_equal(&have, &want) != 0 { return b }
        }
        return nil
    }

    /// Whether storage blocked for `shape` is, unchanged, the same values blocked for `target`: both
    /// `[N, C, H, W]` with the same `H`, `W` and `N * C`, both `C` multiples of `blocking`. (Element `(n, c)`
    /// sits in channel block `(n * C + c) / b` either way: split batch norm's reshape of samples into
    /// channels is free.)
    static func keepsBlocking(from shape: [Int], to target: [Int], blocking: Int) -> Bool {
        shape.count == 4 && target.count == 4 && shape[2...] == target[2...]
            && shape[0] * shape[1] == target[0] * target[1]
            && shape[1] % blocking == 0 && target[1] % blocking == 0
    }

    /// Copies `src`, `shape` blocked by `blocking`, into `dst` in row-major order.
    static func toRowMajor(
        _ src: UnsafePointer<Float>, shape: [Int], blocking b: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let hw = shape[2] * shape[3]
        let groups = shape[0] * shape[1] / b
        Threads.parallelFor(groups, minChunk: Swift.max(1, elementwiseGrain / Swift.max(1, hw * b))) { r in
            for g in r {
                let s = src + g * hw * b
                let d = dst + g * hw * b
                for p in 0..<hw {
                    for l in 0..<b { d[l * hw + p] = s[p * b + l] }
                }
            }
        }
    }
}
