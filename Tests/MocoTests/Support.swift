import Foundation
import Moco
import MocoNN
import MocoTensor
import Testing

/// The tensors of this target's `Fixtures/moco.safetensors` by name.
func mocoFixture() throws -> [String: Tensor] {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("moco.safetensors")
    let (tensors, _) = try SafeTensors.read(url)
    var out: [String: Tensor] = [:]
    for (name, t) in tensors { if case .float(let x) = t { out[name] = x } }
    return out
}

/// A small MoCo on 8x8 single-channel images with keys of width `dim`.
func smallMoCo(dim: Int = 8, queue: Int = 16, seed: UInt64 = 0, norm: NormKind = .batchNorm) throws -> MoCo {
    var rng = RandomGenerator(seed: seed)
    let enc = try ConvNet(channels: [8, 16], inputChannels: 1, classes: dim, norm: norm, using: &rng)
    return try MoCo(encoder: enc, queueSize: queue, using: &rng)
}
