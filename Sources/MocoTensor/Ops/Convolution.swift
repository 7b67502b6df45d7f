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
        guard x.rank == 4 else { throw TensorError(op, "input must be [N, C, H, W], got \(describe(x.shape))") }
        guard weight.rank == 4 else {
            throw TensorError(op, "weight must be [O, C/groups, kH, kW], got \(describe(weight.shape))")
        }
        guard stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError(
                op, "stride \(stride) and dilation \(dilation) must be positive and padding \(padding) non-negative")
        }
        guard groups > 0, x.shape[1] % groups == 0, weight.shape[0] % groups == 0 else {
            throw TensorError(
                op, "groups \(groups) must divide input channels \(x.shape[1]) and output channels \(weight.shape[0])")
        }
        guard weight.shape[1] == x.shape[1] / groups else {
            throw TensorError(
                op,
                "input \(describe(x.shape)) has \(x.shape[1]) channels but weight \(describe(weight.shape)) expects \(weight.shape[1] * groups)"
            )
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw TensorError(op, "bias of shape \(describe(bias.shape)) for \(weight.shape[0]) output channels")
        }
        let g = ConvGeometry(
            batch: x.shape[0], inChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
            outChannels: weight.shape[0], kernelH: weight.shape[2], kernelW: weight.shape[3],
            strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
            dilationH: dilation.0, dilationW: dilation.1, groups: groups, hasBias: bias != nil)
        guard x.count > 0, weight.count > 0, g.outHeight > 0, g.outWidth > 0 else {
            throw TensorError(
                op,
                "input \(describe(x.shape)) with weight \(describe(weight.shape)), padding \(padding) and dilation \(dilation) gives an empty output"
            )
        }
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
}
