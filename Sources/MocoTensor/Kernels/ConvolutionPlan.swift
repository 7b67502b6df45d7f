import CDNNL
import Foundation

/// Everything that determines a 2-D convolution's primitives.
struct ConvGeometry: Hashable {
    var batch, inChannels, height, width: Int
    var outChannels, kernelH, kernelW: Int
    var strideH, strideW, padH, padW, dilationH, dilationW, groups: Int
    var hasBias: Bool

    var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    var inputShape: [Int] { [batch, inChannels, height, width] }
    var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    var weightShape: [Int] { [outChannels, inChannels / groups, kernelH, kernelW] }

    /// Multiply-adds x 2 of the forward pass.
    var flops: Double {
        2.0 * Double(batch * outChannels * outHeight * outWidth) * Double(inChannels / groups * kernelH * kernelW)
    }
}

/// oneDNN primitives for one convolution geometry: forward, backward-data and
/// backward-weights, each created on first use, with the reorders between our
/// plain NCHW/OIHW tensors and the layouts oneDNN picks for speed.
final class ConvolutionPlan {
    let geometry: ConvGeometry
    private let srcPlain, weightsPlain, dstPlain, biasPlain: dnnl_memory_desc_t
    private var forwardDesc = dnnl_convolution_desc_t()
    private var forwardPrimitive: (DNNLPrimitive, src: DNNLReorder, weights: DNNLReorder, dst: DNNLReorder)?
    private var backwardDataPrimitive:
        (DNNLPrimitive, diffDst: DNNLReorder, weights: DNNLReorder, diffSrc: DNNLReorder)?
    private var backwardWeightsPrimitive:
        (DNNLPrimitive, src: DNNLReorder, diffDst: DNNLReorder, diffWeights: DNNLReorder)?

    private static let lock = NSLock()
    /// Plans by geometry. `nonisolated(unsafe)`: read and written only while holding `lock`.
    nonisolated(unsafe) private static var cache: [ConvGeometry: ConvolutionPlan] = [:]

    /// The cached plan for `g`, created on first use.
    static func plan(for g: ConvGeometry) throws -> ConvolutionPlan {
        lock.lock()
        defer { lock.unlock() }
        if let p = cache[g] { return p }
        let p = try ConvolutionPlan(g)
        cache[g] = p
        return p
    }

    private init(_ g: ConvGeometry) throws {
        geometry = g
        let op = "conv2d"
        srcPlain = try plainDescriptor(g.inputShape, dnnl_nchw, op: op)
        dstPlain = try plainDescriptor(g.outputShape, dnnl_nchw, op: op)
        biasPlain = try plainDescriptor([g.outChannels], dnnl_x, op: op)
        weightsPlain =
            g.groups == 1
            ? try plainDescriptor(g.weightShape, dnnl_oihw, op: op)
            : try plainDescriptor(
                [g.groups, g.outChannels / g.groups, g.inChannels / g.groups, g.kernelH, g.kernelW], dnnl_goihw, op: op)
        var src = try anyDescriptor(g.inputShape)
        var dst = try anyDescriptor(g.outputShape)
        var weights = try anyLike(weightsPlain)
        var bias = biasPlain
        let status = withUnsafePointer(to: &bias) { b in
            moco_conv_forward_init(
                &forwardDesc, &src, &weights, g.hasBias ? b : nil, &dst, strides, dilates, padding, padding)
        }
        try dnnlCheck(status, "convolution descriptor", op: op)
    }

    private var strides: [Int64] { [Int64(geometry.strideH), Int64(geometry.strideW)] }
    private var dilates: [Int64] { [Int64(geometry.dilationH - 1), Int64(geometry.dilationW - 1)] }
    private var padding: [Int64] { [Int64(geometry.padH), Int64(geometry.padW)] }

    private func anyDescriptor(_ dims: [Int]) throws -> dnnl_memory_desc_t {
        try plainDescriptor(dims, dnnl_format_tag_any, op: "conv2d")
    }

    private func anyLike(_ md: dnnl_memory_desc_t) throws -> dnnl_memory_desc_t {
        let dims = withUnsafeBytes(of: md.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(md.ndims))) }
        return try anyDescriptor(dims.map(Int.init))
    }

    private func makeDescriptor(_ desc: UnsafeRawPointer, hint: dnnl_primitive_desc_t?) throws -> dnnl_primitive_desc_t
    {
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(
            dnnl_primitive_desc_create(&pd, desc, nil, DNNLContext.shared.engine, hint), "primitive descriptor",
            op: "conv2d")
        return pd!
    }

    /// The forward primitive descriptor, the hint the backward primitives need.
    private func hint() throws -> dnnl_primitive_desc_t {
        try ensureForward()
        return forwardPrimitive!.0.descriptor
    }

    private func ensureForward() throws {
        let op = "conv2d"
        if forwardPrimitive == nil {
            let pd = try withUnsafePointer(to: &forwardDesc) { try makeDescriptor($0, hint: nil) }
            let p = try DNNLPrimitive(descriptor: pd, op: op)
            forwardPrimitive = (
                p,
                try DNNLReorder(from: srcPlain, to: p.descriptor(for: dnnl_query_src_md), op: op),
                try DNNLReorder(from: weightsPlain, to: p.descriptor(for: dnnl_query_weights_md), op: op),
                try DNNLReorder(from: p.descriptor(for: dnnl_query_dst_md), to: dstPlain, op: op)
            )
        }
    }

    /// `dst = conv(src, weights) + bias`, all in plain layouts.
    func forward(
        src: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>,
        bias: UnsafeMutablePointer<Float>?, dst: UnsafeMutablePointer<Float>
    ) throws {
        nativeKernelLock.lock()
        defer { nativeKernelLock.unlock() }
        let op = "conv2d"
        try ensureForward()
        let (p, rs, rw, rd) = forwardPrimitive!
        let s = try DNNLBuffer.input(src, rs, op: op)
        let w = try DNNLBuffer.input(weights, rw, op: op)
        let d = DNNLBuffer.output(dst, rd)
        var args = [
            (DNNL_ARG_SRC, rs.to, s.pointer), (DNNL_ARG_WEIGHTS, rw.to, w.pointer), (DNNL_ARG_DST, rd.from, d.pointer)
        ]
        if let bias { args.append((DNNL_ARG_BIAS, biasPlain, UnsafeMutableRawPointer(bias))) }
        try p.execute(args, op: op)
        try d.finish(dst, rd, op: op)
    }

    private func ensureBackwardData() throws {
        let op = "conv2d backward"
        if backwardDataPrimitive != nil { return }
        var diffSrcAny = try anyDescriptor(geometry.inputShape)
        var diffDstAny = try anyDescriptor(geometry.outputShape)
        var weightsAny = try anyLike(weightsPlain)
        var desc = dnnl_convolution_desc_t()
        try dnnlCheck(
            moco_conv_backward_data_init(
                &desc, &diffSrcAny, &weightsAny, &diffDstAny,
                strides, dilates, padding, padding), "backward-data descriptor", op: op)
        let pd = try withUnsafePointer(to: &desc) { try makeDescriptor($0, hint: try hint()) }
        let p = try DNNLPrimitive(descriptor: pd, op: op)
        backwardDataPrimitive = (
            p,
            try DNNLReorder(from: dstPlain, to: p.descriptor(for: dnnl_query_diff_dst_md), op: op),
            try DNNLReorder(from: weightsPlain, to: p.descriptor(for: dnnl_query_weights_md), op: op),
            try DNNLReorder(from: p.descriptor(for: dnnl_query_diff_src_md), to: srcPlain, op: op)
        )
    }

    private func ensureBackwardWeights() throws {
        let op = "conv2d backward"
        if backwardWeightsPrimitive != nil { return }
        var srcAny = try anyDescriptor(geometry.inputShape)
        var diffDstAny = try anyDescriptor(geometry.outputShape)
        var diffWeightsAny = try anyLike(weightsPlain)
        var bias = biasPlain
        var desc = dnnl_convolution_desc_t()
        let status = withUnsafePointer(to: &bias) { b in
            moco_conv_backward_weights_init(
                &desc, &srcAny, &diffWeightsAny, geometry.hasBias ? b : nil,
                &diffDstAny, strides, dilates, padding, padding)
        }
        try dnnlCheck(status, "backward-weights descriptor", op: op)
        let pd = try withUnsafePointer(to: &desc) { try makeDescriptor($0, hint: try hint()) }
        let p = try DNNLPrimitive(descriptor: pd, op: op)
        backwardWeightsPrimitive = (
            p,
            try DNNLReorder(from: srcPlain, to: p.descriptor(for: dnnl_query_src_md), op: op),
            try DNNLReorder(from: dstPlain, to: p.descriptor(for: dnnl_query_diff_dst_md), op: op),
            try DNNLReorder(from: p.descriptor(for: dnnl_query_diff_weights_md), to: weightsPlain, op: op)
        )
    }

    /// The backward pass in plain layouts: `diffSrc` (when given) from `diffDst` and
    /// `weights`, and `diffWeights` with `diffBias` (when given) from `src` and `diffDst`.
    /// When both passes want `diffDst` in the same layout it is reordered once.
    func backward(
        src: UnsafeMutablePointer<Float>, diffDst: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>,
        diffSrc: UnsafeMutablePointer<Float>?, diffWeights: UnsafeMutablePointer<Float>?,
        diffBias: UnsafeMutablePointer<Float>?
    ) throws {
        nativeKernelLock.lock()
        defer { nativeKernelLock.unlock() }
        let op = "conv2d backward"
        var reorderedDiffDst: (DNNLReorder, DNNLBuffer)?
        if let diffSrc {
            try ensureBackwardData()
            let (p, rdd, rw, rds) = backwardDataPrimitive!
            let dd = try DNNLBuffer.input(diffDst, rdd, op: op)
            reorderedDiffDst = (rdd, dd)
            let w = try DNNLBuffer.input(weights, rw, op: op)
            let ds = DNNLBuffer.output(diffSrc, rds)
            try p.execute(
                [
                    (DNNL_ARG_DIFF_DST, rdd.to, dd.pointer), (DNNL_ARG_WEIGHTS, rw.to, w.pointer),
                    (DNNL_ARG_DIFF_SRC, rds.from, ds.pointer)
                ], op: op)
            try ds.finish(diffSrc, rds, op: op)
        }
        if let diffWeights {
            try ensureBackwardWeights()
            let (p, rs, rdd, rdw) = backwardWeightsPrimitive!
            let s = try DNNLBuffer.input(src, rs, op: op)
            let dd: DNNLBuffer
            if let (previous, buffer) = reorderedDiffDst, previous.producesSameLayout(as: rdd) {
                dd = buffer
            } else {
                dd = try DNNLBuffer.input(diffDst, rdd, op: op)
            }
            let dw = DNNLBuffer.output(diffWeights, rdw)
            var args = [
                (DNNL_ARG_SRC, rs.to, s.pointer), (DNNL_ARG_DIFF_DST, rdd.to, dd.pointer),
                (DNNL_ARG_DIFF_WEIGHTS, rdw.from, dw.pointer)
            ]
            if let diffBias { args.append((DNNL_ARG_DIFF_BIAS, biasPlain, UnsafeMutableRawPointer(diffBias))) }
            try p.execute(args, op: op)
            try dw.finish(diffWeights, rdw, op: op)
        }
    }
}
