import Foundation

/// A float32 tensor: a shape and contiguous storage, with value semantics (copy-on-write)
/// and optional participation in reverse-mode autograd.
///
/// Storage is row-major, except that a convolution may leave a rank-4 result in oneDNN's
/// channel-blocked layout (`blocking`) so that the next convolution, batch norm, ReLU,
/// residual add and pooling read it without a reorder; any other reader sees row-major
/// values through `storage`, reordered once and cached.
///
/// Copies of a tensor share storage until one of them is mutated. A tensor that
/// `requiresGrad` carries a node of the autograd graph; ops on it record how to
/// propagate gradients, and `backward()` fills the `grad` of the leaves.
public struct Tensor {
    /// The size of each dimension; `[]` for a scalar.
    public private(set) var shape: [Int]
    /// The elements in the order `blocking` says.
    private(set) var rawStorage: TensorStorage
    /// How the storage orders the elements: 1 for row-major; 8 or 16 for an `[N, C, H, W]`
    /// result a convolution left in oneDNN's `nChw8c` / `nChw16c` layout (`[N, C / b, H, W, b]`,
    /// `C` a multiple of `b`). Values read through the API are row-major either way.
    public private(set) var blocking: Int
    var node: GradNode?

    /// Wraps existing storage in `blocking` (see the property). `storage.count` must equal the product of `shape`.
    init(shape: [Int], storage: TensorStorage, blocking: Int = 1) {
        self.shape = shape
        self.rawStorage = storage
        self.blocking = blocking
        self.node = nil
    }

    /// The elements in row-major order: the storage itself, or (for a blocked tensor) its
    /// row-major copy, made on first use and kept as long as the storage.
    var storage: TensorStorage {
        blocking == 1 ? rawStorage : rawStorage.rowMajor(shape: shape, blocking: blocking)
    }

    /// The same values and layout without autograd history, in `newShape` when given (same count).
    func sharingStorage(shape newShape: [Int]? = nil) -> Tensor {
        let target = newShape ?? shape
        let keeps =
            blocking == 1 || target == shape || BlockedLayout.keepsBlocking(from: shape, to: target, blocking: blocking)
        return keeps
            ? Tensor(shape: target, storage: rawStorage, blocking: blocking) : Tensor(shape: target, storage: storage)
    }

    /// The layout in which this tensor and `others` (same shape) are read together: the blocking they all
    /// carry, else 1 (row-major).
    func blocking(sharedWith others: [Tensor]) -> Int {
        others.allSatisfy { $0.blocking == blocking } ? blocking : 1
    }

    /// The elements in `layout`, this tensor's own blocking or 1 (`blocking(sharedWith:)`): the storage
    /// itself, or the row-major values.
    func elements(in layout: Int) -> UnsafeMutablePointer<Float> {
        layout == blocking ? rawStorage.pointer : storage.pointer
    }

    /// A tensor of the given shape with uninitialised contents (internal: kernels fill it).
    init(uninitializedShape shape: [Int], blocking: Int = 1) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)), blocking: blocking)
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) throws {
        try checkShape(shape, op: "tensor")
        let n = shape.reduce(1, *)
        guard n == scalars.count else {
            throw TensorError("tensor", "shape \(describe(shape)) needs \(n) values, got \(scalars.count)")
        }
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: n) }
    }

    /// A 1-D tensor holding `scalars`.
    public init(_ scalars: [Float]) {
        self.init(uninitializedShape: [scalars.count])
        scalars.withUnsafeBufferPointer {
            if let b = $0.baseAddress { storage.pointer.update(from: b, count: scalars.count) }
        }
    }

    /// A scalar (rank-0) tensor.
    public init(_ scalar: Float) {
        self.init(shape: [], storage: TensorStorage(count: 1, repeating: scalar))
    }

    /// Number of elements.
    public var count: Int { rawStorage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else {
            throw TensorError("item", "tensor of shape \(describe(shape)) has \(count) elements, not 1")
        }
        return storage.pointer[0]
    }

    /// Reads the elements without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Mutates the elements in place, copying the storage first if it is shared.
    /// The autograd history is kept: use this for optimizer updates of parameters.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R)
        rethrows -> R
    {
        if blocking != 1 { (rawStorage, blocking) = (storage, 1) }
        if !isKnownUniquelyReferenced(&rawStorage) { rawStorage = rawStorage.copy() }
        return try body(UnsafeMutableBufferPointer(start: rawStorage.pointer, count: count))
    }

    /// Replaces the values with those of `other` (same shape), keeping this tensor's
    /// identity in the autograd graph (its leaf node and accumulated gradient).
    public mutating func assign(_ other: Tensor) throws {
        guard other.shape == shape else {
            throw TensorError("assign", "shape \(describe(other.shape)) does not match \(describe(shape))")
        }
        (rawStorage, blocking) = (other.rawStorage, other.blocking)
    }
}

/// Throws unless every dimension is non-negative.
func checkShape(_ shape: [Int], op: String) throws {
    _ = try checkedCount(shape, op: op)
}

extension Tensor: CustomStringConvertible {
    /// A short summary: shape, and the values when there are few, else statistics.
    public var description: String {
        let values = scalars
        let grad = requiresGrad ? ", requires_grad" : ""
        if values.count <= 8 {
            let body = values.map { formatScalar($0) }.joined(separator: ", ")
            return "Tensor(\(describe(shape)): [\(body)]\(grad))"
        }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let lo = values.min() ?? 0
        let hi = values.max() ?? 0
        return
            "Tensor(\(describe(shape)), mean \(formatScalar(Float(mean))), min \(formatScalar(lo)), max \(formatScalar(hi))\(grad))"
    }
}

func formatScalar(_ x: Float) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e7 { return String(Int(x)) }
    let s = String(format: "%.4g", Double(x))
    return s
}

/// Tensors cross threads: batches are made on the prefetch thread, kernels read parameters from
/// many. That is safe because storage is copy-on-write (a writer copies unless its reference is the
/// only one, and reference counts are atomic), so no two threads write one buffer. Not checked by
/// the compiler: the autograd graph a tensor may carry (`node`) is mutable and must stay on the
/// thread that builds and back-propagates it; the engine only sends detached tensors.
extension Tensor: @unchecked Sendable {}
