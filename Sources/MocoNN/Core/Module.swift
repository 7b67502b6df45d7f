import MocoTensor

/// A neural-network module: a function of a tensor with named parameters, buffers and
/// child modules, named as PyTorch names them so state dicts move both ways.
public protocol Module: AnyObject {
    /// Direct children in registration order, with their attribute names.
    var children: [(name: String, module: any Module)] { get }
    /// Parameters owned by this module itself, in registration order.
    var ownParameters: [(name: String, parameter: Parameter)] { get }
    /// Buffers owned by this module itself, in registration order.
    var ownBuffers: [(name: String, buffer: Buffer)] { get }
    /// Train mode (batch statistics) or eval mode (running statistics).
    var isTraining: Bool { get set }
    /// Applies the module.
    func callAsFunction(_ x: Tensor) throws -> Tensor
    /// A deep copy: its own parameters and buffers with the same values.
    func copy() -> Self
}

extension Module {
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    public var ownBuffers: [(name: String, buffer: Buffer)] { [] }
    public var children: [(name: String, module: any Module)] { [] }

    /// All parameters with dotted names (`layer1.0.conv1.weight`), own first, then each
    /// child's, as `named_parameters()`.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        ownParameters
            + children.flatMap { c in c.module.namedParameters().map { (c.name + "." + $0.name, $0.parameter) } }
    }

    /// All buffers with dotted names.
    public func namedBuffers() -> [(name: String, buffer: Buffer)] {
        ownBuffers + children.flatMap { c in c.module.namedBuffers().map { (c.name + "." + $0.name, $0.buffer) } }
    }

    /// All parameters in order.
    public func parameters() -> [Parameter] { namedParameters().map(\.parameter) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.count } }

    /// Sets train (true) or eval (false) mode on this module and every descendant.
    public func train(_ on: Bool = true) {
        isTraining = on
        for c in children { c.module.train(on) }
    }

    /// Eval mode.
    public func eval() { train(false) }

    /// Runs `body` with this module in eval mode, then restores the mode it had.
    public func inEvalMode<T>(_ body: () throws -> T) rethrows -> T {
        let was = isTraining
        eval()
        defer { train(was) }
        return try body()
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for p in parameters() { p.grad = nil }
    }

    /// Moves this module's parameters towards `source`'s: `p = m * p + (1 - m) * q`, in
    /// place, as MoCo's key encoder update. Buffers are not averaged.
    public func emaUpdate(from source: any Module, momentum m: Float) throws {
        let mine = parameters()
        let theirs = source.parameters()
        guard mine.count == theirs.count else {
            throw ModelError("ema", "modules have \(mine.count) and \(theirs.count) parameters")
        }
        for (k, q) in zip(mine, theirs) {
            guard k.value.shape == q.value.shape else {
                throw ModelError("ema", "parameter shapes \(k.value.shape) and \(q.value.shape) differ")
            }
            q.value.withUnsafeBufferPointer { src in
                k.value.withUnsafeMutableBufferPointer { dst in
                    for i in dst.indices { dst[i] = m * dst[i] + (1 - m) * src[i] }
                }
            }
        }
    }
}
