extension Tensor {
    /// Window geometry of a 2-D pooling op, validated.
    private struct PoolWindow {
        let n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow: Int

        init(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int), op: String) throws {
            guard x.rank == 4 else { throw TensorError(op, "input must be [N, C, H, W], got \(describe(x.shape))") }
            let s = stride ?? kernel
            guard kernel.0 > 0, kernel.1 > 0, s.0 > 0, s.1 > 0 else {
                throw TensorError(op, "kernel \(kernel) and stride \(s) must be positive")
            }
            guard padding.0 >= 0, padding.1 >= 0, padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
                throw TensorError(op, "padding \(padding) must be between 0 and half the kernel \(kernel)")
            }
            (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            (kh, kw, sh, sw, ph, pw) = (kernel.0, kernel.1, s.0, s.1, padding.0, padding.1)
            oh = (h + 2 * ph - kh) / sh + 1
            ow = (w + 2 * pw - kw) / sw + 1
            guard h + 2 * ph >= kh, w + 2 * pw >= kw, oh > 0, ow > 0 else {
                throw TensorError(
                    op, "kernel \(kernel) does not fit input \(describe(x.shape)) with padding \(padding)")
            }
        }
    }

    /// Max pooling as `torch.nn.functional.max_pool2d` (floor mode; padding counts as -inf).
    /// The gradient goes to the first maximum of each window.
    public static func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
        let p = try PoolWindow(
            x, kernel: (kernel, kernel), stride: stride.map { ($0, $0) }, padding: (padding, padding), op: "max_pool2d")
        let y = Tensor(uninitializedShape: [p.n, p.c, p.oh, p.ow])
        var argmax = [Int32](repeating: 0, count: y.count)
        let src = x.storage.pointer
        let dst = y.storage.pointer
        argmax.withUnsafeMutableBufferPointer { ab in
            let am = ab.baseAddress!
            Threads.parallelFor(p.n * p.c, minChunk: Swift.max(1, 4096 / (p.oh * p.ow))) { r in
                for plane in r {
                    let xin = src + plane * p.h * p.w
                    let o = plane * p.oh * p.ow
                    for i in 0..<p.oh {
                        for j in 0..<p.ow {
                            var best = -Float.infinity
                            var bi = -1
                            for di in 0..<p.kh {
                                let yy = i * p.sh - p.ph + di
                                if yy < 0 || yy >= p.h { continue }
                                for dj in 0..<p.kw {
                                    let xx = j * p.sw - p.pw + dj
                                    if xx < 0 || xx >= p.w { continue }
                                    let v = xin[yy * p.w + xx]
                                    if bi < 0 || v > best || (v.isNaN && !best.isNaN) {
                                        best = v
                                        bi = yy * p.w + xx
                                    }
                                }
                            }
                            dst[o + i * p.ow + j] = best
                            am[o + i * p.ow + j] = Int32(bi)
                        }
                    }
                }
            }
        }
        let inShape = x.shape
        return record(y, op: "max_pool2d", inputs: [x]) { g in
            let gx = try Tensor.zeros(inShape)
            let pg = g.storage.pointer
            let pd = gx.storage.pointer
            argmax.withUnsafeBufferPointer { am in
                Threads.parallelFor(p.n * p.c) { r in
                    for plane in r {
                        let o = plane * p.oh * p.ow
                        let base = pd + plane * p.h * p.w
                        for k in 0..<(p.oh * p.ow) { base[Int(am[o + k])] += pg[o + k] }
                    }
                }
            }
            return [gx]
        }
    }

    /// Average pooling as `torch.nn.functional.avg_pool2d` (floor mode); padded zeros
    /// count in the divisor when `countIncludePad` (PyTorch's default).
    public static func avgPool2d(
        _ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true
    ) throws -> Tensor {
        let p = try PoolWindow(
            x, kernel: (kernel, kernel), stride: stride.map { ($0, $0) }, padding: (padding, padding), op: "avg_pool2d")
        // The divisor of output (i, j): window area, or the part of it inside the input.
        func divisor(_ i: Int, _ j: Int) -> Float {
            if countIncludePad { return Float(p.kh * p.kw) }
            let y0 = Swift.max(i * p.sh - p.ph, 0)
            let y1 = Swift.min(i * p.sh - p.ph + p.kh, p.h)
            let x0 = Swift.max(j * p.sw - p.pw, 0)
            let x1 = Swift.min(j * p.sw - p.pw + p.kw, p.w)
            return Float((y1 - y0) * (x1 - x0))
        }
        let y = Tensor(uninitializedShape: [p.n, p.c, p.oh, p.ow])
        let src = x.storage.pointer
        let dst = y.storage.pointer
        Threads.parallelFor(p.n * p.c, minChunk: Swift.max(1, 4096 / (p.oh * p.ow))) { r in
            for plane in r {
                let xin = src + plane * p.h * p.w
                let o = dst + plane * p.oh * p.ow
                for i in 0..<p.oh {
                    for j in 0..<p.ow {
                        var s: Float = 0
                        for yy in Swift.max(i * p.sh - p.ph, 0)..<Swift.min(i * p.sh - p.ph + p.kh, p.h) {
                            for xx in Swift.max(j * p.sw - p.pw, 0)..<Swift.min(j * p.sw - p.pw + p.kw, p.w) {
                                s += xin[yy * p.w + xx]
                            }
                        }
                        o[i * p.ow + j] = s / divisor(i, j)
                    }
                }
            }
        }
        let inShape = x.shape
        return record(y, op: "avg_pool2d", inputs: [x]) { g in
            let gx = try Tensor.zeros(inShape)
            let pg = g.storage.pointer
            let pd = gx.storage.pointer
            Threads.parallelFor(p.n * p.c) { r in
                for plane in r {
                    let gin = pg + plane * p.oh * p.ow
                    let o = pd + plane * p.h * p.w
                    for i in 0..<p.oh {
                        for j in 0..<p.ow {
                            let v = gin[i * p.ow + j] / divisor(i, j)
                            for yy in Swift.max(i * p.sh - p.ph, 0)..<Swift.min(i * p.sh - p.ph + p.kh, p.h) {
                                for xx in Swift.max(j * p.sw - p.pw, 0)..<Swift.min(j * p.sw - p.pw + p.kw, p.w) {
                                    o[yy * p.w + xx] += v
                                }
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }

    /// Global average pooling: `[N, C, H, W]` to `[N, C]` (the mean over H and W,
    /// as `adaptive_avg_pool2d(x, 1).flatten(1)`).
    public static func globalAvgPool2d(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4 else {
            throw TensorError("global_avg_pool2d", "input must be [N, C, H, W], got \(describe(x.shape))")
        }
        guard x.shape[2] * x.shape[3] > 0 else {
            throw TensorError("global_avg_pool2d", "input \(describe(x.shape)) has no pixels")
        }
        let planes = x.shape[0] * x.shape[1]
        let hw = x.shape[2] * x.shape[3]
        let b = x.blocking
        let y = Tensor(uninitializedShape: [x.shape[0], x.shape[1]])
        let src = x.rawStorage.pointer
        let dst = y.storage.pointer
        let scale = 1 / Float(hw)
        // Blocked input: plane group `p` holds `b` channels interleaved, `hw * b` floats.
        Threads.parallelFor(planes / b, minChunk: Swift.max(1, elementwiseGrain / (hw * b))) { r in
            for p in r {
                if b == 1 {
                    dst[p] = Lanes.sum(src + p * hw, hw) * scale
                } else {
                    let s = src + p * hw * b
                    for l in 0..<b {
                        var acc: Float = 0
                        for j in 0..<hw { acc += s[j * b + l] }
                        dst[p * b + l] = acc * scale
                    }
                }
            }
        }
        let inShape = x.shape
        return record(y, op: "global_avg_pool2d", inputs: [x]) { g in
            let gx = Tensor(uninitializedShape: inShape, blocking: b)
            let pg = g.storage.pointer
            let out = gx.rawStorage.pointer
            Threads.parallelFor(planes / b, minChunk: Swift.max(1, elementwiseGrain / (hw * b))) { r in
                for p in r {
                    if b == 1 {
                        (out + p * hw).update(repeating: pg[p] * scale, count: hw)
                    } else {
                        let o = out + p * hw * b
                        for j in 0..<hw {
                            for l in 0..<b { o[j * b + l] = pg[p * b + l] * scale }
                        }
                    }
                }
            }
            return [gx]
        }
    }
}
