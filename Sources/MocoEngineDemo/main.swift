import Foundation
import MocoData
import MocoTensor

// The engine demo: a small convnet trained with labels on the bundled 8x8 digits,
// written with the engine's functional ops and a hand-written SGD with momentum.
// Usage: moco-engine-demo [epochs] (default 12). Seed and threads are fixed by
// the run (MOCO_THREADS), so the printed losses repeat bit for bit.

let epochs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 12 : 12
let (train, test) = try Digits.load()
var rng = RandomGenerator(seed: 0)
var initRNG = rng.stream("init"), dataRNG = rng.stream("data")

/// Kaiming-normal weights (fan in), as a leaf that requires grad.
func kaiming(_ shape: [Int]) throws -> Tensor {
    let fanIn = shape.dropFirst().reduce(1, *)
    return try Tensor.randn(shape, std: (2 / Float(fanIn)).squareRoot(), using: &initRNG).requiringGrad()
}

var params = [try kaiming([16, 1, 3, 3]), try kaiming([32, 16, 3, 3]), try kaiming([10, 32]), try Tensor.zeros([10]).requiringGrad()]
var stats = [try BatchNormStatistics(channels: 16), try BatchNormStatistics(channels: 32)]
var velocity = try params.map { try Tensor.zeros($0.shape) }

func forward(_ x: Tensor, training: Bool) throws -> Tensor {
    func bn(_ h: Tensor, _ i: Int) throws -> Tensor {
        training ? try Tensor.batchNorm(h, weight: nil, bias: nil, running: &stats[i])
                 : try Tensor.batchNorm(h, weight: nil, bias: nil, running: stats[i])
    }
    var h = try bn(Tensor.conv2d(x, weight: params[0], padding: 1), 0).relu()
    h = try bn(Tensor.conv2d(h, weight: params[1], stride: 2, padding: 1), 1).relu()
    return try Tensor.linear(Tensor.globalAvgPool2d(h), weight: params[2], bias: params[3])
}

func accuracy(_ data: LabeledImages) throws -> Double {
    let logits = try withoutGrad { try forward(data.images, training: false) }
    let predicted = try logits.argmax(axis: 1).scalars
    return Double(zip(predicted, data.labels).filter { Int($0) == $1 }.count) / Double(data.count)
}

print("moco engine demo: convnet on \(train.count) train / \(test.count) test digits, \(Threads.count) threads")
print(String(format: "epoch  0  test accuracy %.2f%%", try accuracy(test) * 100))
let batch = 64, lr: Float = 0.1, momentum: Float = 0.9
let start = Date()
for epoch in 1...epochs {
    let order = dataRNG.permutation(train.count)
    var total = 0.0, steps = 0
    for b in stride(from: 0, to: order.count - batch + 1, by: batch) {
        let idx = Array(order[b..<(b + batch)])
        let x = try train.images.indexSelect(axis: 0, idx)
        let loss = try Tensor.crossEntropy(forward(x, training: true), labels: idx.map { train.labels[$0] })
        try loss.backward()
        for i in params.indices {
            velocity[i] = try velocity[i] * momentum + params[i].grad!
            try params[i].assign(params[i].detached() - velocity[i] * lr)
            params[i].grad = nil
        }
        total += Double(try loss.item())
        steps += 1
    }
    print(String(format: "epoch %2d  loss %.4f  test accuracy %.2f%%", epoch, total / Double(steps), try accuracy(test) * 100))
}
print(String(format: "trained in %.1f s", Date().timeIntervalSince(start)))
