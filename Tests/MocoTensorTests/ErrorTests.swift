import MocoTensor
import Testing

/// Every throwing path names the op and the shapes or values involved.
@Suite("Error messages")
struct ErrorTests {
    let a = try! Tensor.zeros([32, 64])
    let b = try! Tensor.zeros([32, 10])
    let img = try! Tensor.zeros([2, 3, 8, 8])

    @Test func creation() {
        expectError("tensor: shape [2, 3] needs 6 values, got 5") {
            try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5])
        }
        expectError("tensor: shape [2, -1] has a negative dimension -1") { try Tensor(shape: [2, -1], scalars: []) }
        expectError("full: shape [-3] has a negative dimension -3") { try Tensor.zeros([-3]) }
        expectError("arange: needs finite bounds and a non-zero step, got 0.0, 5.0, step 0.0") {
            try Tensor.arange(0, 5, step: 0)
        }
        var rng = RandomGenerator(seed: 1)
        expectError("uniform: low 2.0 is greater than high 1.0") {
            try Tensor.uniform([2], low: 2, high: 1, using: &rng)
        }
        expectError("randn: shape [-1] has a negative dimension -1") { try Tensor.randn([-1], using: &rng) }
        expectError("item: tensor of shape [32, 64] has 2048 elements, not 1") { try a.item() }
        expectError("assign: shape [32, 10] does not match [32, 64]") {
            var t = a
            try t.assign(b)
            return t
        }
    }

    @Test func broadcastingAndElementwise() {
        expectError("add: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") { try a + b }
        expectError("sub: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") { try a - b }
        expectError("mul: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") { try a * b }
        expectError("div: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") { try a / b }
        expectError("pow: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") { try a.pow(b) }
        expectError("lt: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") { try a.lt(b) }
        expectError("where: shapes [32, 64] and [32, 10] cannot be broadcast (dimension 1: 64 vs 10)") {
            try Tensor.where(a, a, b)
        }
        expectError("expand: shape [32, 64] cannot be expanded to [64]") { try a.expanded(to: [64]) }
        expectError("clamp: min 1.0 is greater than max 0.0") { try a.clamp(min: 1, max: 0) }
    }

    @Test func reductions() {
        expectError("sum: axis 2 is out of range for a tensor of rank 2") { try a.sum(axes: [2]) }
        expectError("sum: axes [1, -1] repeat an axis") { try a.sum(axes: [1, -1]) }
        expectError("mean: axis -3 is out of range for a tensor of rank 2") { try a.mean(axes: [-3]) }
        expectError("max: axis 5 is out of range for a tensor of rank 2") { try a.max(axis: 5) }
        expectError("max: axis 0 of shape [0, 3] is empty") { try Tensor.zeros([0, 3]).max(axis: 0) }
        expectError("max: tensor of shape [0] is empty") { try Tensor.zeros([0]).max() }
        expectError("argmax: axis 2 is out of range for a tensor of rank 2") { try a.argmax(axis: 2) }
        expectError("var: axis 3 is out of range for a tensor of rank 2") { try a.variance(axes: [3]) }
        expectError("logsumexp: axis 9 is out of range for a tensor of rank 2") { try a.logsumexp(axes: [9]) }
    }

    @Test func matmulAndLinear() {
        expectError("matmul: [32, 64] x [32, 10]: inner dimensions 64 and 32 differ") { try a.matmul(b) }
        expectError("matmul: [] x [32, 10]: scalars cannot be multiplied as matrices") { try Tensor(1).matmul(b) }
        expectError("matmul: shapes [2] and [3] cannot be broadcast (dimension 0: 2 vs 3)") {
            try Tensor.zeros([2, 4, 5]).matmul(Tensor.zeros([3, 5, 6]))
        }
        expectError("linear: input [32, 10] does not fit weight [32, 64] (needs [..., in] and [out, in])") {
            try Tensor.linear(b, weight: a)
        }
        expectError("linear: bias of shape [5] for 32 outputs") {
            try Tensor.linear(Tensor.zeros([4, 64]), weight: a, bias: Tensor.zeros([5]))
        }
    }

    @Test func shapeOps() {
        expectError("reshape: cannot reshape [32, 64] (2048 elements) to [100, -1]") { try a.reshaped([100, -1]) }
        expectError("reshape: cannot reshape [32, 64] (2048 elements) to [3, 3]") { try a.reshaped([3, 3]) }
        expectError("reshape: invalid target shape [-1, -1]") { try a.reshaped([-1, -1]) }
        expectError("flatten: axis 4 is out of range for a tensor of rank 2") { try a.flattened(from: 4) }
        expectError("unsqueeze: axis 4 is out of range for a tensor of rank 3") { try a.unsqueezed(4) }
        expectError("squeeze: dimension 0 of shape [32, 64] has size 32, not 1") { try a.squeezed(0) }
        expectError("permute: [0, 0] is not a permutation of the 2 axes of [32, 64]") { try a.permuted([0, 0]) }
        expectError("permute: axis 2 is out of range for a tensor of rank 2") { try a.permuted([0, 2]) }
        expectError("transpose: axis 3 is out of range for a tensor of rank 2") { try a.transposed(0, 3) }
        expectError("transpose: tensor of shape [4] has fewer than 2 dimensions") {
            try Tensor.zeros([4]).transposed(0, 1)
        }
    }

    @Test func joiningAndIndexing() {
        expectError("concat: needs at least one tensor") { try Tensor.concat([]) }
        expectError("concat: shapes [32, 64] and [32, 10] differ outside axis 0") { try Tensor.concat([a, b], axis: 0) }
        expectError("concat: shapes [32, 64] and [64] differ in rank") { try Tensor.concat([a, Tensor.zeros([64])]) }
        expectError("concat: axis 2 is out of range for a tensor of rank 2") { try Tensor.concat([a, a], axis: 2) }
        expectError("stack: needs at least one tensor") { try Tensor.stack([]) }
        expectError("stack: shapes [32, 64] and [32, 10] differ") { try Tensor.stack([a, b]) }
        expectError("split: sizes [10, 10] do not add up to dimension 1 of [32, 64]") {
            try a.split(sizes: [10, 10], axis: 1)
        }
        expectError("split: piece size must be positive, got 0") { try a.split(size: 0) }
        expectError("slice: range 30..<40 is out of bounds for dimension 0 of size 32") {
            try a.slice(axis: 0, 30..<40)
        }
        expectError("index_select: index 32 is out of range for dimension 0 of size 32") {
            try a.indexSelect(axis: 0, [1, 32])
        }
        expectError("gather: index of shape [32] needs rank 2 like the input [32, 64]") {
            try a.gather(axis: 1, index: Tensor.zeros([32]))
        }
        expectError("gather: index shape [16, 1] differs from input shape [32, 64] outside axis 1") {
            try a.gather(axis: 1, index: Tensor.zeros([16, 1]))
        }
        expectError("gather: index value 64 is not an integer in 0..<64") {
            try a.gather(axis: 1, index: Tensor.full([32, 1], 64))
        }
        expectError("gather: index value 0.5 is not an integer in 0..<64") {
            try a.gather(axis: 1, index: Tensor.full([32, 1], 0.5))
        }
        expectError("one_hot: label 3 is out of range for 3 classes") { try Tensor.oneHot([0, 3], classes: 3) }
        expectError("one_hot: needs a positive number of classes, got 0") { try Tensor.oneHot([], classes: 0) }
    }

    @Test func softmaxAndLosses() {
        expectError("softmax: axis 2 is out of range for a tensor of rank 2") { try a.softmax(axis: 2) }
        expectError("log_softmax: axis -3 is out of range for a tensor of rank 2") { try a.logSoftmax(axis: -3) }
        expectError("cross_entropy: logits must be [N, C], got [2, 3, 8, 8]") {
            try Tensor.crossEntropy(img, labels: [0, 1])
        }
        expectError("cross_entropy: 2 labels for logits of shape [32, 10]") {
            try Tensor.crossEntropy(b, labels: [0, 1])
        }
        expectError("cross_entropy: label 10 is out of range for 10 classes") {
            try Tensor.crossEntropy(Tensor.zeros([2, 10]), labels: [0, 10])
        }
        expectError("normalize: axis 2 is out of range for a tensor of rank 2") { try a.l2Normalized(axis: 2) }
    }

    @Test func convolution() {
        let w = try! Tensor.zeros([4, 3, 3, 3])
        expectError("conv2d: input must be [N, C, H, W], got [32, 64]") { try Tensor.conv2d(a, weight: w) }
        expectError("conv2d: weight must be [O, C/groups, kH, kW], got [32, 64]") { try Tensor.conv2d(img, weight: a) }
        expectError("conv2d: input [2, 3, 8, 8] has 3 channels but weight [4, 2, 3, 3] expects 2") {
            try Tensor.conv2d(img, weight: Tensor.zeros([4, 2, 3, 3]))
        }
        expectError("conv2d: groups 2 must divide input channels 3 and output channels 4") {
            try Tensor.conv2d(img, weight: w, groups: 2)
        }
        expectError("conv2d: stride (0, 0) and dilation (1, 1) must be positive and padding (0, 0) non-negative") {
            try Tensor.conv2d(img, weight: w, stride: 0)
        }
        expectError("conv2d: bias of shape [3] for 4 output channels") {
            try Tensor.conv2d(img, weight: w, bias: Tensor.zeros([3]))
        }
        expectError(
            "conv2d: input [2, 3, 8, 8] with weight [4, 3, 9, 9], padding (0, 0) and dilation (1, 1) gives an empty output"
        ) {
            try Tensor.conv2d(img, weight: Tensor.zeros([4, 3, 9, 9]))
        }
    }

    @Test func batchNormAndPooling() {
        var stats = try! BatchNormStatistics(channels: 4)
        expectError("batch_norm: input must be [N, C], [N, C, L] or [N, C, H, W], got [3]") {
            try Tensor.batchNorm(Tensor.zeros([3]), weight: nil, bias: nil)
        }
        expectError("batch_norm: weight of shape [4] for 3 channels") {
            try Tensor.batchNorm(img, weight: Tensor.zeros([4]), bias: nil)
        }
        expectError("batch_norm: bias of shape [2] for 3 channels") {
            try Tensor.batchNorm(img, weight: nil, bias: Tensor.zeros([2]))
        }
        expectError("batch_norm: training needs more than 1 value per channel, input is [1, 3]") {
            try Tensor.batchNorm(Tensor.zeros([1, 3]), weight: nil, bias: nil)
        }
        expectError("batch_norm: running statistics of shape [4] for 3 channels") {
            try Tensor.batchNorm(img, weight: nil, bias: nil, running: &stats)
        }
        expectError("batch_norm: running statistics of shape [4] for 3 channels") {
            try Tensor.batchNorm(img, weight: nil, bias: nil, running: stats)
        }
        expectError("max_pool2d: input must be [N, C, H, W], got [32, 64]") { try Tensor.maxPool2d(a, kernel: 2) }
        expectError("max_pool2d: kernel (0, 0) and stride (0, 0) must be positive") {
            try Tensor.maxPool2d(img, kernel: 0)
        }
        expectError("max_pool2d: padding (2, 2) must be between 0 and half the kernel (3, 3)") {
            try Tensor.maxPool2d(img, kernel: 3, padding: 2)
        }
        expectError("avg_pool2d: kernel (9, 9) does not fit input [2, 3, 8, 8] with padding (0, 0)") {
            try Tensor.avgPool2d(img, kernel: 9)
        }
        expectError("global_avg_pool2d: input must be [N, C, H, W], got [32, 64]") { try Tensor.globalAvgPool2d(a) }
        expectError("global_avg_pool2d: input [2, 3, 0, 4] has no pixels") {
            try Tensor.globalAvgPool2d(Tensor.zeros([2, 3, 0, 4]))
        }
    }

    @Test func autograd() throws {
        expectError("backward: tensor of shape [32, 64] does not require grad") { try a.backward() }
        let x = try Tensor.ones([2, 2]).requiringGrad()
        expectError("backward: a gradient is needed for a non-scalar tensor of shape [2, 2]") { try (x * 2).backward() }
        expectError("backward: gradient of shape [3] for a tensor of shape [2, 2]") {
            try (x * 2).backward(Tensor.zeros([3]))
        }
        let y = (x * 3).sum()
        try y.backward()
        expectError("backward: the graph of this tensor was already freed by an earlier backward()") {
            try y.backward()
        }
    }
}
