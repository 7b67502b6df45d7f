import MocoTensor

/// Backbone weights from state dicts written by moco or by PyTorch: our own exports and checkpoints, torchvision
/// models, and facebookresearch/moco's checkpoints (`module.encoder_q.*`) converted to safetensors.
public enum BackboneWeights {
    /// Prefixes that wrap an encoder's names, in the order they are tried after `module.` (DDP) is removed:
    /// facebookresearch/moco's query encoder, moco's checkpoints, and common wrappers.
    public static let encoderPrefixes = ["encoder_q.", "query.", "backbone.", "encoder."]

    /// `state`'s backbone entries under torchvision names: `module.` removed, then the first known encoder prefix
    /// that some name carries selects those names (without it), and the head (`fc.*`) is dropped.
    public static func backbone(of state: StateDict) -> StateDict {
        var entries = state.map {
            (name: $0.name.hasPrefix("module.") ? String($0.name.dropFirst(7)) : $0.name, $0.tensor)
        }
        if let prefix = encoderPrefixes.first(where: { p in entries.contains { $0.name.hasPrefix(p) } }) {
            entries = entries.filter { $0.name.hasPrefix(prefix) }.map {
                (String($0.name.dropFirst(prefix.count)), $0.1)
            }
        }
        return entries.filter { !$0.name.hasPrefix("fc.") }.map { (name: $0.name, tensor: $0.1) }
    }

    /// Loads `state`'s backbone (see `backbone(of:)`) into `encoder`, leaving its head as it is. Refuses, before
    /// changing anything, the first key of the encoder that the file lacks, the first shape that differs and the first
    /// key the encoder does not have (batch norms' `num_batches_tracked` may be absent, as in older torchvision files).
    public static func load(_ state: StateDict, into encoder: any Encoder) throws {
        let given = backbone(of: state)
        guard !given.isEmpty else {
            throw StateDictError(message: "holds no backbone weights (no names outside fc.*)")
        }
        let byName = Dictionary(given.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let expected = encoder.stateDict().filter { !$0.name.hasPrefix("fc.") }
        let known = Set(expected.map(\.name))
        for (name, tensor) in expected {
            guard let found = byName[name] else {
                if name.hasSuffix("num_batches_tracked") { continue }
                throw StateDictError(message: "missing key \(name) (shape \(tensor.shape))")
            }
            guard found.shape == tensor.shape else {
                throw StateDictError(message: "\(name) has shape \(found.shape), the encoder's is \(tensor.shape)")
            }
        }
        if let extra = given.first(where: { !known.contains($0.name) }) {
            throw StateDictError(message: "unexpected key \(extra.name): the encoder has no such weight")
        }
        try encoder.loadStateDict(given, strict: false)
    }
}
