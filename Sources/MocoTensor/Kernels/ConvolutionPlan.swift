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
/// backward-weights, each created on first use, with the reorders between the layouts
/// our tensors arrive in (row-major, or a channel-blocked layout) and those oneDNN picks
/// for speed. Activations leave in the primitive's layout when a tensor can carry it
/// (`BlockedLayout`), so consecutive layers need no reorder; weights are row-major.
final class ConvolutionPlan {
    let geometry: ConvGeometry
    private let weightsPlain, biasPlain: dnnl_memory_desc_t
    private var forwardDesc = dnnl_convolution_desc_t()
    private var forwardPrimitive: (DNNLPrimitive, src: LayoutInput, weights: DNNLReorder, dst: LayoutOutput)?
    private var backwardDataPrimitive:
        (DNNLPrimitive, diffDst: LayoutInput, weights: DNNLReorder, diffSrc: LayoutOutput)?
    private var backwardWeightsPrimitive:
        (DNNLPrimitive, src: LayoutInput, diffDst: LayoutInput, diffWeights: DNNLReorder)?

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

    /// oneDNN's first implementation for `desc`; in portable mode the first that is not GEMM-based (the GEMM
    /// convolution blocks its sums by the machine's L2 cache size; the reference one after it computes the same
    /// everywhere).
    private func makeDescriptor(_ desc: UnsafeRawPointer, hint: dnnl_primitive_desc_t?) throws -> dnnl_primitive_desc_t
    {
        var iterator: dnnl_primitive_desc_iterator_t?
        try dnnlCheck(
            dnnl_primitive_desc_iterator_create(&iterator, desc, nil, DNNLContext.shared.engine, hint),
            "primitive descriptor", op: "conv2d")
        defer { dnnl_primitive_desc_iterator_destroy(iterator) }
        repeat {
            guard let pd = dnnl_primitive_desc_iterator_fetch(iterator) else { break }
            if !Arithmetic.isPortable || !Self.implementation(of: pd).contains("gemm") { return pd }
            dnnl_primitive_desc_destroy(pd)
        } while dnnl_primitive_desc_iterator_next(iterator) == dnnl_success
        throw TensorError("conv2d", "oneDNN offers no implementation of \(geometry) in portable mode")
    }

    /// The implementation's name, as `ONEDNN_VERBOSE` prints it (`jit:avx2`, `gemm:jit`, `ref:any`).
    static func implementation(of pd: const_dnnl_primitive_desc_t) -> String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else {
            return "unknown"
        }
        return String(cString: name)
    }

    /// The implementations of the forward, backward-data and backward-weights primitives (each made now if not yet).
    func implementations() throws -> (forward: String, backwardData: String, backwardWeights: String) {
        nativeKernelLock.lock()
        defer { nativeKernelLock.unlock() }
        try ensureForward()
        try ensureBackwardData()
        try ensureBackwardWeights()
        return (
            Self.implementation(of: forwardPrimitive!.0.descriptor),
            Self.implementation(of: backwardDataPrimitive!.0.descriptor),
            Self.implementation(of: backwardWeightsPrimitive!.0.descriptor)
        )
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
                LayoutInput(geometry.inputShape, p.descriptor(for: dnnl_query_src_md)),
                try DNNLReorder(from: weightsPlain, to: p.descriptor(for: dnnl_query_weights_md), op: op),
                try LayoutOutput(geometry.outputShape, p.descriptor(for: dnnl_query_dst_md), op: op)
            )
        }
    }

    /// `conv(src, weights) + bias`: `src` in `srcBlocking` (`Tensor.blocking`), the rest row-major; the
    /// result in the primitive's layout when a tensor can carry it, else row-major.
    func forward(
        src: UnsafeMutablePointer<Float>, srcBlocking: Int, weights: UnsafeMutablePointer<Float>,
        bias: UnsafeMutablePointer<Float>?
    ) throws -> Tensor {
        nativeKernelLock.lock()
        defer { nativeKernelLock.unlock() }
        let op = "conv2d"
        try ensureForward()
        let (p, rs, rw, rd) = forwardPrimitive!
        let s = try rs.buffer(src, blocking: srcBlocking, op: op)
        let w = try DNNLBuffer.input(weights, rw, op: op)
        let d = rd.buffer()
        var args = [
            (DNNL_ARG_SRC, rs.to, s.pointer), (DNNL_ARG_WEIGHTS, rw.to, w.pointer), (DNNL_ARG_DST, rd.from, d.pointer)
        ]
        if let bias { args.append((DNNL_ARG_BIAS, biasPlain, UnsafeMutableRawPointer(bias))) }
        try p.execute(args, op: op)
        return try rd.finish(d, op: op)
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
            LayoutInput(geometry.outputShape, p.descriptor(for: dnnl_query_diff_dst_md)),
            try DNNLReorder(from: weightsPlain, to: p.descriptor(for: dnnl_query_weights_md), op: op),
            try LayoutOutput(geometry.inputShape, p.descriptor(for: dnnl_query_diff_src_md), op: op)
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
            LayoutInput(geometry.inputShape, p.descriptor(for: dnnl_query_src_md)),
            LayoutInput(geometry.outputShape, p.descriptor(for: dnnl_query_diff_dst_md)),
            try DNNLReorder(from: p.descriptor(for: dnnl_query_diff_weights_md), to: weightsPlain, op: op)
        )
    }

    /// The backward pass: the gradient of the input (when `wantsDiffSrc`; in the primitive's layout when a
    /// tensor can carry it) from `diffDst` and `weights`, and `diffWeights` with `diffBias` (row-major, when
    /// given) from `src` and `diffDst`. `src` and `diffDst` come in their tensors' blockings. When both passes
    /// want `diffDst` in the same layout it is reordered once.
    func backward(
        src: UnsafeMutablePointer<Float>, srcBlocking: Int, diffDst: UnsafeMutablePointer<Float>,
        diffDstBlocking: Int, weights: UnsafeMutablePointer<Float>, wantsDiffSrc: Bool,
        diffWeights: UnsafeMutablePointer<Float>?, diffBias: UnsafeMutablePointer<Float>?
    ) throws -> Tensor? {
        nativeKernelLock.lock()
        defer { nativeKernelLock.unlock() }
        let op = "conv2d backward"
        var reorderedDiffDst: (LayoutInput, DNNLBuffer)?
        var diffSrc: Tensor?
        if wantsDiffSrc {
            try ensureBackwardData()
            let (p, rdd, rw, rds) = backwardDataPrimitive!
            let dd = try rdd.buffer(diffDst, blocking: diffDstBlocking, op: op)
            reorderedDiffDst = (rdd, dd)
            let w = try DNNLBuffer.input(weights, rw, op: op)
            let ds = rds.buffer()
            try p.execute(
                [
                    (DNNL_ARG_DIFF_DST, rdd.to, dd.pointer), (DNNL_ARG_WEIGHTS, rw.to, w.pointer),
                    (DNNL_ARG_DIFF_SRC, rds.from, ds.pointer)
                ], op: op)
            diffSrc = try rds.finish(ds, op: op)
        }
        if let diffWeights {
            try ensureBackwardWeights()
            let (p, rs, rdd, rdw) = backwardWeightsPrimitive!
            let s = try rs.buffer(src, blocking: srcBlocking, op: op)
            let dd: DNNLBuffer
            if let (previous, buffer) = reorderedDiffDst, previous.wantsSameLayout(as: rdd) {
                dd = buffer
            } else {
                dd = try rdd.buffer(diffDst, blocking: diffDstBlocking, op: op)
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
        return diffSrc
    }
}
