import MocoData
import MocoNN
import MocoTensor
import Testing

/// The small convnet trained with labels on the bundled digits (bounded epochs) reaches
/// at least 97% test accuracy: modules, SGD and a cosine schedule working together.
@Suite("Supervised sanity run")
struct SupervisedDigitsTests {
    @Test func convnetLearnsDigits() throws {
        let (train, test) = try Digits.load()
        var rng = RandomGenerator(seed: 0)
        let model = try ConvNet(channels: [32, 64, 128], inputChannels: 1, classes: 10, using: &rng)
        let epochs = 15
        let batch = 64
        let opt = try SGD(model.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 5e-4)
        let lr = Schedule.cosine(0.1, epochs: Double(epochs))
        var data = rng.stream("data")
        let stepsPerEpoch = train.count / batch
        var step = 0
        for _ in 0..<epochs {
            let order = data.permutation(train.count)
            for b in 0..<stepsPerEpoch {
                let idx = Array(order[(b * batch)..<((b + 1) * batch)])
                opt.lr = Float(lr.value(step: step, stepsPerEpoch: stepsPerEpoch))
                let loss = try Tensor.crossEntropy(
                    model(train.images.indexSelect(axis: 0, idx)), labels: idx.map { train.labels[$0] })
                opt.zeroGrad()
                try loss.backward()
                try opt.step()
                step += 1
            }
        }
        model.eval()
        let predicted = try withoutGrad { try model(test.images) }.argmax(axis: 1).scalars
        let accuracy = Double(zip(predicted, test.labels).filter { Int($0) == $1 }.count) / Double(test.count)
        #expect(accuracy >= 0.97, "test accuracy \(accuracy)")
    }
}
