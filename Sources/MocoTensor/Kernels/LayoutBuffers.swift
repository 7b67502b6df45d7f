import CDNNL

/// An activation a primitive reads in its layout `to`, arriving in a tensor's blocking: the tensor's own
/// memory when the layouts agree, else a copy through a reorder made on first use for that blocking.
final class LayoutInput {
    let shape: [Int]
    let to: dnnl_memory_desc_t
    private var reorders: [Int: DNNLReorder] = [:]

    init(_ shape: [Int], _ to: dnnl_memory_desc_t) {
        (self.shape, self.to) = (shape, to)
    }

    /// `data` (in `blocking`) in the layout `to`.
    func buffer(_ data: UnsafeMutablePointer<Float>, blocking: Int, op: String) throws -> DNNLBuffer {
        if reorders[blocking] == nil {
            reorders[blocking] = try DNNLReorder(
                from: BlockedLayout.descriptor(shape, blocking: blocking, op: op), to: to, op: op)
        }
        return try DNNLBuffer.input(data, reorders[blocking]!, op: op)
    }

    /// Whether `other` wants its data in the same layout.
    func wantsSameLayout(as other: LayoutInput) -> Bool {
        var a = to
        var b = other.to
        return shape == other.shape && dnnl_memory_desc_equal(&a, &b) != 0
    }
}

/// An activation a primitive writes in its layout `from`: straight into the result tensor when a tensor can
/// carry that layout, else into scratch memory reordered into a row-major result.
final class LayoutOutput {
    let shape: [Int]
    let from: dnnl_memory_desc_t
    /// The result's blocking when it keeps the primitive's layout.
    private let blocking: Int?
    private let toRowMajor: DNNLReorder?

    init(_ shape: [Int], _ from: dnnl_memory_desc_t, op: String) throws {
        (self.shape, self.from) = (shape, from)
        blocking = BlockedLayout.blocking(of: from, shape: shape)
        toRowMajor =
            blocking == nil
            ? try DNNLReorder(from: from, to: BlockedLayout.descriptor(shape, blocking: 1, op: op), op: op) : nil
    }

    /// Space for the primitive to write: the result tensor itself, or scratch.
    func buffer() -> (tensor: Tensor, pointer: UnsafeMutableRawPointer, scratch: TensorStorage?) {
        if let toRowMajor, !toRowMajor.isIdentity {
            var md = from
            let s = TensorStorage(uninitializedCount: (dnnl_memory_desc_get_size(&md) + 3) / 4)
            return (Tensor(uninitializedShape: shape), UnsafeMutableRawPointer(s.pointer), s)
        }
        let t = Tensor(uninitializedShape: shape, blocking: blocking ?? 1)
        return (t, UnsafeMutableRawPointer(t.rawStorage.pointer), nil)
    }

    /// The result, reordered out of scratch when needed.
    func finish(_ b: (tensor: Tensor, pointer: UnsafeMutableRawPointer, scratch: TensorStorage?), op: String) throws
        -> Tensor
    {
        if let toRowMajor, b.scratch != nil {
            try toRowMajor.run(b.pointer, into: UnsafeMutableRawPointer(b.tensor.rawStorage.pointer), op: op)
        }
        return b.tensor
    }
}
