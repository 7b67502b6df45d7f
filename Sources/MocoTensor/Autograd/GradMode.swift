import Foundation

/// Whether ops record the autograd graph, per thread (like PyTorch's grad mode), so
/// a `withoutGrad` scope on one thread never affects another.
enum GradMode {
    /// A thread-local flag: no value (the default) means enabled.
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    static var isEnabled: Bool {
        get { pthread_getspecific(key) == nil }
        set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }
}

/// Runs `body` without recording the autograd graph (like `torch.no_grad()`):
/// results of ops inside do not require grad.
public func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
    let saved = GradMode.isEnabled
    GradMode.isEnabled = false
    defer { GradMode.isEnabled = saved }
    return try body()
}

/// Whether ops currently record the autograd graph.
public var isGradEnabled: Bool { GradMode.isEnabled }

extension Tensor {
    /// Whether this tensor takes part in autograd.
    public var requiresGrad: Bool { node != nil }

    /// Whether this tensor is a leaf of the graph (created by the user, not by an op).
    public var isLeaf: Bool { node?.isLeaf ?? true }

    /// This tensor as a new leaf that requires grad (like `requires_grad_()`); the
    /// values are shared, any history is dropped.
    public func requiringGrad() -> Tensor {
        var t = sharingStorage()
        t.node = GradNode()
        return t
    }

    /// The same values, cut off from the autograd graph.
    public func detached() -> Tensor {
        sharingStorage()
    }

    /// The gradient accumulated by `backward()` into this leaf; nil before any.
    /// Setting it to nil clears the accumulated gradient (`zero_grad`).
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set { node?.grad = newValue }
    }

    /// Attaches an interior autograd node to `result` when grad mode is on and any
    /// input requires grad. `backward` receives the output gradient and returns one
    /// gradient (or nil) per input, each of that input's shape.
    static func record(
        _ result: Tensor, op: String, inputs: [Tensor],
        backward: @escaping (Tensor) throws -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return result }
        var r = result
        r.node = GradNode(op: op, inputs: inputs.map { $0.node }, backward: backward)
        return r
    }
}
