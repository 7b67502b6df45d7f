import Foundation
import MocoNN
import MocoTensor
import Testing

/// A committed fixture file of this test target.
func fixtureURL(_ name: String) -> URL {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
}

/// The tensors of a fixture file by name.
func fixture(_ name: String) throws -> [String: StateTensor] {
    let (tensors, _) = try SafeTensors.read(fixtureURL(name))
    return Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
}

extension StateTensor {
    var floatTensor: Tensor? { if case .float(let t) = self { return t } else { return nil } }
}

/// A CIFAR-stem ResNet-18 at width 8 (3 -> 10 classes), the golden-test model.
func smallResNet(seed: UInt64 = 0) throws -> ResNet {
    var rng = RandomGenerator(seed: seed)
    return try ResNet(depth: 18, width: 8, stem: .cifar, inputChannels: 3, classes: 10, using: &rng)
}
