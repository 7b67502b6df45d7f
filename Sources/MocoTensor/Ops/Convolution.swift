extension Tensor {
    /// 2-D convolution with square stride, padding and dilation; see the tuple form.
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
        stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1
    ) throws -> Tensor {
        try conv2d(
            x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
            dilation: (dilation, dilation), groups: groups)
    }

    /// 2-D convolution as `torch.nn.functional.conv2d`, through oneDNN: `x` is
    /// `[N, C, H, W]`, `weight` `[O, C / groups, kH, kW]`, `bias` `[O]`; zero padding is
    /// added on both sides. Forward and both backward passes use cached primitives.
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
        stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int = 1
    ) throws -> Tensor {
        let op = "conv2d"
        let g = try convolutionGeometry(
            x.shape, weight.shape, bias: bias?.shape, stride: stride, padding: padding, dilation: dilation,
            groups: groups)
        let plan = try ConvolutionPlan.plan(for: g)
        let y = try plan.forward(
            src: x.rawStorage.pointer, srcBlocking: x.blocking, weights: weight.storage.pointer,
            bias: bias?.storage.pointer)
        let inputs = [x, weight] + (bias.map { [$0] } ?? [])
        return record(y, op: op, inputs: inputs) { gy in
            let needBias = bias?.requiresGrad ?? false
            let gw = weight.requiresGrad || needBias ? Tensor(uninitializedShape: weight.shape) : nil
            let gb = gw != nil ? bias.map { Tensor(uninitializedShape: $0.shape) } : nil
            let gx = try plan.backward(
                src: x.rawStorage.pointer, srcBlocking: x.blocking, diffDst: gy.rawStorage.pointer,
                diffDstBlocking: gy.blocking, weights: weight.storage.pointer, wantsDiffSrc: x.requiresGrad,
                diffWeights: gw?.storage.pointer, diffBias: gb?.storage.pointer)
            return [gx, weight.requiresGrad ? gw : nil, needBias ? gb : nil]
        }
    }

    /// The oneDNN implementations a convolution of these shapes runs here (forward, backward-data and
    /// backward-weights), as `ONEDNN_VERBOSE` names them: `jit:avx2`, `jit_1x1:avx512_core`, `gemm:jit`, `ref:any`...
    /// They follow the instruction set oneDNN runs (`Arithmetic`); in portable mode no GEMM-based implementation is
    /// taken, since its blocking depends on the machine's cache sizes.
    public static func convolutionImplementations(
        input: [Int], weight: [Int], bias: Bool = false, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1
    ) throws -> (forward: String, backwardData: String, backwardWeights: String) {
        let g = try convolutionGeometry(
            input, weight, bias: bias ? [weight.first ?? 0] : nil, stride: (stride, stride),
            padding: (padding, padding), dilation: (dilation, dilation), groups: groups)
        return try ConvolutionPlan.plan(for: g).implementations()
    }

    /// The geometry of a convolution of `x` by `weight` (shapes), refusing what `conv2d` cannot compute.
    private static func convolutionGeometry(
        _ x: [Int], _ weight: [Int], bias: [Int]?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
        groups: Int
    ) throws -> ConvGeometry {
        let op = "conv2d"
        guard x.count == 4 else { throw TensorError(op, "input must be [N, C, H, W], got \(describe(x))") }
        guard weight.count == 4 else {
            throw TensorError(op, "weight must be [O, C/groups, kH, kW], got \(describe(weight))")
        }
        guard stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError(
                op, "stride \(stride) and dilation \(dilation) must be positive and padding \(padding) non-negative")
        }
        guard groups > 0, x[1] % groups == 0, weight[0] % groups == 0 else {
            throw TensorError(
                op, "groups \(groups) must divide input channels \(x[1]) and output channels \(weight[0])")
        }
        guard weight[1] == x[1] / groups else {
            throw TensorError(
                op,
                "input \(describe(x)) has \(x[1]) channels but weight \(describe(weight)) expects \(weight[1] * groups)"
            )
        }
        if let bias, bias != [weight[0]] {
            throw TensorError(op, "bias of shape \(describe(bias)) for \(weight[0]) output channels")
        }
        let geometry = ConvGeometry(
            batch: x[0], inChannels: x[1], height: x[2], width: x[3],
            outChannels: weight[0], kernelH: weight[2], kernelW: weight[3],
            strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
            dilationH: dilation.0, dilationW: dilation.1, groups: groups, hasBias: bias != nil)
        guard x.allSatisfy({ $0 > 0 }), weight.allSatisfy({ $0 > 0 }), geometry.outHeight > 0, geometry.outWidth > 0
        else {
            throw TensorError(
                op,
                "input \(describe(x)) with weight \(describe(weight)), padding \(padding) and dilation \(dilation) gives an empty output"
            )
        }
        return geometry
    }
}
