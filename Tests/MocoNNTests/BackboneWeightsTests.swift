import Foundation
import MocoNN
import MocoTensor
import Testing

/// Backbone weights load from PyTorch's torchvision-named files under the prefixes MoCo checkpoints use, and every
/// mismatch is refused with the first differing key before anything changes.
@Suite("Backbone weights")
struct BackboneWeightsTests {
    /// The PyTorch-written fixture's entries, each name under `prefix`.
    func pytorch(prefix: String = "") throws -> StateDict {
        try SafeTensors.read(fixtureURL("resnet18-w8.safetensors")).tensors.map { (prefix + $0.name, $0.tensor) }
    }

    func backbone(_ m: any Module) -> [(name: String, tensor: StateTensor)] {
        m.stateDict().filter { !$0.name.hasPrefix("fc.") }
    }

    @Test(arguments: ["", "module.", "encoder_q.", "module.encoder_q.", "backbone.", "query."])
    func loadsTorchvisionNamesUnderKnownPrefixes(_ prefix: String) throws {
        let model = try smallResNet(seed: 7)
        let head = model.fc.stateDict()
        var state = try pytorch(prefix: prefix)
        // A facebookresearch/moco checkpoint also holds the key encoder and the queue: they are ignored.
        if prefix.contains("encoder_q.") {
            state += try pytorch(prefix: prefix.replacingOccurrences(of: "encoder_q.", with: "encoder_k."))
            state.append((prefix.hasPrefix("module.") ? "module.queue" : "queue", .float(try Tensor.zeros([4, 2]))))
        }
        try BackboneWeights.load(state, into: model)
        let expected = Dictionary(uniqueKeysWithValues: try pytorch().map { ($0.name, $0.tensor) })
        #expect(backbone(model).count == expected.count - 2)
        for (name, tensor) in backbone(model) { #expect(tensor == expected[name], "\(name)") }
        #expect(model.fc.stateDict().elementsEqual(head) { $0.name == $1.name && $0.tensor == $1.tensor })
    }

    @Test func refusesTheFirstMismatchAndChangesNothing() throws {
        let model = try smallResNet(seed: 3)
        let before = model.stateDict()
        func refusal(_ edit: (inout StateDict) throws -> Void) throws -> String {
            var state = try pytorch()
            try edit(&state)
            do {
                try BackboneWeights.load(state, into: model)
            } catch let e as StateDictError {
                return e.message
            }
            Issue.record("the edited state dict was accepted")
            return ""
        }
        #expect(
            try refusal { $0.removeAll { $0.name == "layer1.0.conv2.weight" } }
                == "missing key layer1.0.conv2.weight (shape [8, 8, 3, 3])")
        #expect(
            try refusal { s in
                let wrong = StateTensor.float(try Tensor.zeros([9]))
                s = s.map { $0.name == "bn1.weight" ? ($0.name, wrong) : $0 }
            } == "bn1.weight has shape [9], the encoder's is [8]")
        #expect(
            try refusal { $0.append(("layer5.0.conv1.weight", .float(try Tensor.zeros([1])))) }
                == "unexpected key layer5.0.conv1.weight: the encoder has no such weight")
        #expect(
            try refusal { $0 = $0.filter { $0.name.hasPrefix("fc.") } }
                == "holds no backbone weights (no names outside fc.*)")
        #expect(model.stateDict().elementsEqual(before) { $0.name == $1.name && $0.tensor == $1.tensor })
    }

    @Test func batchNormCountersMayBeAbsent() throws {
        let model = try smallResNet(seed: 5)
        let state = try pytorch().filter { !$0.name.hasSuffix("num_batches_tracked") }
        try BackboneWeights.load(state, into: model)
        let conv = try #require(model.stateDict().first { $0.name == "conv1.weight" })
        #expect(conv.tensor == state.first { $0.name == "conv1.weight" }!.tensor)
    }
}
