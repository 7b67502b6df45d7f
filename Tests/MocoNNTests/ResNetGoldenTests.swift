import Foundation
import MocoNN
import MocoSupport
import MocoTensor
import MocoTestSupport
import Testing

/// A ResNet-18 with weights written by PyTorch gives PyTorch's logits (<= 1e-4) and
/// gradients (<= 1e-3); state dicts move both ways.
@Suite("ResNet against PyTorch")
struct ResNetGoldenTests {
    @Test func logitsGradientsAndRunningStatistics() throws {
        let model = try smallResNet()
        let (weights, _) = try SafeTensors.read(fixtureURL("resnet18-w8.safetensors"))
        try model.loadStateDict(weights, strict: true)
        let io = try fixture("resnet18-w8-io.safetensors")
        let x = try #require(io["x"]?.floatTensor)
        let gy = try #require(io["gy"]?.floatTensor)
        model.train()
        let logits = try model(x)
        expectClose(logits, try #require(io["logits"]?.floatTensor), tolerance: 1e-4, relative: true)
        try logits.backward(gy)
        for (name, p) in model.namedParameters() {
            let expected = try #require(io["grad." + name]?.floatTensor, "no gradient for \(name)")
            let g = try #require(p.grad, "\(name) got no gradient")
            expectClose(g, expected, tolerance: 1e-3, relative: true, "gradient of \(name)")
        }
        for (name, b) in model.namedBuffers() {
            switch (b.value, io["after." + name]) {
            case (.float(let t), .float(let e)?): expectClose(t, e, tolerance: 1e-4, relative: true, "buffer \(name)")
            case (.int64(let v, _), .int64(let e, _)?): #expect(v == e, "buffer \(name)")
            default: Issue.record("buffer \(name) missing or of another kind in the fixture")
            }
        }
    }

    @Test func stateDictNamesFollowTorchvision() throws {
        let names = try smallResNet().stateDict().map(\.name)
        #expect(
            names.prefix(7) == [
                "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked", "layer1.0.conv1.weight"
            ])
        #expect(names.contains("layer2.0.downsample.0.weight") && names.contains("layer2.0.downsample.1.running_var"))
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"])
        let (pytorch, _) = try SafeTensors.read(fixtureURL("resnet18-w8.safetensors"))
        #expect(Set(names) == Set(pytorch.map(\.name)))
    }

    /// Our saved state dict is committed and loaded by PyTorch with strict=True when
    /// `scripts/make-fixtures` runs; this test writes it (MOCO_WRITE_FIXTURES=1) or checks
    /// that the committed file is still what the current code writes.
    @Test func exportsStateDictFixture() throws {
        let data = try SafeTensors.encode(smallResNet(seed: 42).stateDict(), metadata: ["format": "pt"])
        let url = fixtureURL("ours-resnet18-w8.safetensors")
        if ProcessInfo.processInfo.environment["MOCO_WRITE_FIXTURES"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Fixtures/ours-resnet18-w8.safetensors")
            try AtomicFile.write(data, to: source)
        } else {
            #expect(try Data(contentsOf: url) == data, "regenerate with scripts/make-fixtures")
        }
    }

    @Test func stateDictRoundTripThroughAFile() throws {
        let a = try smallResNet(seed: 1)
        let b = try smallResNet(seed: 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moco-roundtrip-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(a.stateDict(), metadata: ["note": "round trip"], to: url)
        let (loaded, metadata) = try SafeTensors.read(url)
        try b.loadStateDict(loaded)
        #expect(metadata == ["note": "round trip"])
        #expect(zip(a.stateDict(), b.stateDict()).allSatisfy { $0.name == $1.name && $0.tensor == $1.tensor })
    }

    @Test func strictLoadingNamesMissingAndUnexpectedKeys() throws {
        let m = try smallResNet()
        var state = m.stateDict()
        state.removeAll { $0.name == "fc.bias" }
        state.append(("fc.extra", .float(Tensor(1))))
        #expect(throws: StateDictError(message: "missing keys: fc.bias; unexpected keys: fc.extra")) {
            try m.loadStateDict(state)
        }
        try m.loadStateDict(state, strict: false)
        var wrong = m.stateDict()
        wrong[0] = (wrong[0].name, .float(try Tensor.zeros([1])))
        #expect(throws: StateDictError(message: "conv1.weight: expected float tensor of shape [8, 3, 3, 3], got [1]")) {
            try m.loadStateDict(wrong)
        }
    }
}
