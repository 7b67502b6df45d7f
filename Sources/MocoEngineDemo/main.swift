import MocoTensor
var rng = RandomGenerator(seed: 0)
let x = try Tensor.randn([2, 3, 4], using: &rng)
print(try x.logsumexp(axes: [2]))
print(try x.logsumexp(axes: [0, 1], keepdims: true))
