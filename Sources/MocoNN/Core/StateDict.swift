import MocoTensor

/// One entry of a state dict.
public enum StateTensor: Equatable {
    case float(Tensor)
    case int64([Int64], shape: [Int])

    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int64(_, let s): return s
        }
    }

    public static func == (a: StateTensor, b: StateTensor) -> Bool {
        switch (a, b) {
        case (.float(let x), .float(let y)): return x.shape == y.shape && x.scalars == y.scalars
        case (.int64(let x, let s), .int64(let y, let t)): return x == y && s == t
        default: return false
        }
    }
}

/// A state dict: names in PyTorch's order (parameters and buffers of each module, then
/// its children's), each with its tensor.
public typealias StateDict = [(name: String, tensor: StateTensor)]

/// Why a state dict could not be loaded.
public struct StateDictError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { "load_state_dict: \(message)" }
}

extension Module {
    /// Parameters and buffers by name, in PyTorch's `state_dict()` order.
    public func stateDict() -> StateDict {
        var out: StateDict = []
        func visit(_ m: any Module, _ prefix: String) {
            for (n, p) in m.ownParameters { out.append((prefix + n, .float(p.value.detached()))) }
            for (n, b) in m.ownBuffers {
                switch b.value {
                case .float(let t): out.append((prefix + n, .float(t)))
                case .int64(let v, let s): out.append((prefix + n, .int64(v, shape: s)))
                }
            }
            for c in m.children { visit(c.module, prefix + c.name + ".") }
        }
        visit(self, "")
        return out
    }

    /// Loads values by name. With `strict`, the names must match exactly (missing and
    /// unexpected keys are listed); shapes and kinds must always match.
    public func loadStateDict(_ state: StateDict, strict: Bool = true) throws {
        let given = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { _, b in b })
        let params = namedParameters()
        let buffers = namedBuffers()
        let expected = Set(params.map(\.name) + buffers.map(\.name))
        if strict {
            let missing = expected.subtracting(given.keys).sorted()
            let unexpected = Set(given.keys).subtracting(expected).sorted()
            if !missing.isEmpty || !unexpected.isEmpty {
                var parts: [String] = []
                if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
                if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
                throw StateDictError(message: parts.joined(separator: "; "))
            }
        }
        // Check everything before changing anything, so a failed load leaves the module as it was.
        for (name, p) in params {
            guard let t = given[name] else { continue }
            guard case .float(let v) = t, v.shape == p.value.shape else {
                throw StateDictError(
                    message: "\(name): expected float tensor of shape \(p.value.shape), got \(t.shape)")
            }
        }
        for (name, b) in buffers {
            guard let t = given[name] else { continue }
            let value: Buffer.Value
            switch (b.value, t) {
            case (.float(let old), .float(let new)) where old.shape == new.shape: value = .float(new)
            case (.int64(_, let s), .int64(let v, let s2)) where s == s2: value = .int64(v, shape: s2)
            default: throw StateDictError(message: "\(name): buffer kind or shape does not match \(t.shape)")
            }
            if let violation = b.constraint.violation(in: value) {
                throw StateDictError(message: "\(name) \(violation)")
            }
        }
        for (name, p) in params {
            if case .float(let v)? = given[name] { try p.update(v) }
        }
        for (name, b) in buffers {
            switch given[name] {
            case .float(let v)?: b.value = .float(v.detached())
            case .int64(let v, let s)?: b.value = .int64(v, shape: s)
            case nil: continue
            }
        }
    }
}
