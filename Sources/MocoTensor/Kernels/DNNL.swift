import CDNNL
import Foundation

/// oneDNN's CPU engine and stream, created once.
///
/// `@unchecked Sendable`: both handles are immutable after `init`, and every execution on the stream
/// holds `nativeKernelLock` and waits for the stream before it returns, so two threads never use the
/// stream at once (oneDNN parallelises inside a primitive with its own threads).
final class DNNLContext: @unchecked Sendable {
    static let shared = DNNLContext()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() {
        Threads.ensureConfigured()
        var e: dnnl_engine_t?
        var s: dnnl_stream_t?
        // Creating a CPU engine and stream cannot fail short of the library being broken.
        let engineStatus = dnnl_engine_create(&e, dnnl_cpu, 0)
        guard engineStatus == dnnl_success, let e else {
            fatalError("oneDNN: cannot create a CPU engine (status \(engineStatus.rawValue))")
        }
        let streamStatus = dnnl_stream_create(&s, e, dnnl_stream_default_flags.rawValue)
        guard streamStatus == dnnl_success, let s else {
            fatalError("oneDNN: cannot create a stream (status \(streamStatus.rawValue))")
        }
        engine = e
        stream = s
    }
}

/// Serialises the native kernels. oneDNN (built without concurrent execution) shares
/// one scratchpad between primitives, so two threads must never run primitives at the
/// same time; each kernel already uses every engine thread, so nothing is lost.
let nativeKernelLock = NSRecursiveLock()

/// Throws when a oneDNN call failed.
func dnnlCheck(_ status: dnnl_status_t, _ what: String, op: String) throws {
    guard status == dnnl_success else {
        throw TensorError(op, "oneDNN \(what) failed with status \(status.rawValue)")
    }
}

/// A plain (row-major) f32 memory descriptor with dimensions `dims` and layout `tag`.
func plainDescriptor(_ dims: [Int], _ tag: dnnl_format_tag_t, op: String) throws -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let d = dims.map { Int64($0) }
    try dnnlCheck(moco_md_init(&md, Int32(d.count), d, tag), "memory descriptor", op: op)
    return md
}

/// A created primitive with its descriptor.
final class DNNLPrimitive {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t

    /// Creates the primitive for a ready primitive descriptor (taking ownership of it).
    init(descriptor pd: dnnl_primitive_desc_t, op: String) throws {
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            throw TensorError(op, "oneDNN primitive creation failed with status \(status.rawValue)")
        }
        descriptor = pd
        primitive = p
    }

    /// The memory descriptor the primitive expects for `query` (argument `index`).
    func descriptor(for query: dnnl_query_t, index: Int32 = 0) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(descriptor, query, index).pointee
    }

    /// Runs the primitive on `args`: (argument id, descriptor, data pointer).
    func execute(_ args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)], op: String) throws {
        let ctx = DNNLContext.shared
        var memories: [dnnl_memory_t] = []
        defer { for m in memories { dnnl_memory_destroy(m) } }
        var execArgs: [dnnl_exec_arg_t] = []
        for (arg, md, ptr) in args {
            var m: dnnl_memory_t?
            var desc = md
            try dnnlCheck(dnnl_memory_create(&m, &desc, ctx.engine, ptr), "memory creation", op: op)
            memories.append(m!)
            execArgs.append(dnnl_exec_arg_t(arg: arg, memory: m))
        }
        try dnnlCheck(
            dnnl_primitive_execute(primitive, ctx.stream, Int32(execArgs.count), execArgs), "execution", op: op)
        try dnnlCheck(dnnl_stream_wait(ctx.stream), "stream wait", op: op)
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }
}

/// Moves data between a plain layout and the layout a primitive chose, reusing one
/// reorder primitive per pair of layouts. When the layouts are equal it is a no-op.
final class DNNLReorder {
    let from: dnnl_memory_desc_t
    let to: dnnl_memory_desc_t
    let isIdentity: Bool
    private let primitive: DNNLPrimitive?
    /// Bytes needed by the destination layout (it may pad channels).
    let destinationBytes: Int

    init(from: dnnl_memory_desc_t, to: dnnl_memory_desc_t, op: String) throws {
        var a = from
        var b = to
        self.from = from
        self.to = to
        isIdentity = dnnl_memory_desc_equal(&a, &b) != 0
        destinationBytes = dnnl_memory_desc_get_size(&b)
        if isIdentity {
            primitive = nil
        } else {
            var pd: dnnl_primitive_desc_t?
            let ctx = DNNLContext.shared
            try dnnlCheck(
                dnnl_reorder_primitive_desc_create(&pd, &a, ctx.engine, &b, ctx.engine, nil), "reorder", op: op)
            primitive = try DNNLPrimitive(descriptor: pd!, op: op)
        }
    }

    /// Reorders `src` into `dst`, which holds `destinationBytes`.
    func run(_ src: UnsafeMutableRawPointer, into dst: UnsafeMutableRawPointer, op: String) throws {
        try primitive?.execute([(DNNL_ARG_FROM, from, src), (DNNL_ARG_TO, to, dst)], op: op)
    }
}

/// A buffer in a primitive's own layout: the user's pointer when the layouts agree,
/// else scratch memory filled (or emptied) through a reorder.
struct DNNLBuffer {
    let pointer: UnsafeMutableRawPointer
    private let scratch: TensorStorage?

    /// Data in the primitive's layout for reading: `user` itself, or a reordered copy.
    static func input(_ user: UnsafeMutablePointer<Float>, _ reorder: DNNLReorder, op: String) throws -> DNNLBuffer {
        if reorder.isIdentity { return DNNLBuffer(pointer: UnsafeMutableRawPointer(user), scratch: nil) }
        let s = TensorStorage(uninitializedCount: (reorder.destinationBytes + 3) / 4)
        try reorder.run(UnsafeMutableRawPointer(user), into: UnsafeMutableRawPointer(s.pointer), op: op)
        return DNNLBuffer(pointer: UnsafeMutableRawPointer(s.pointer), scratch: s)
    }

    /// Space in the primitive's layout for writing: `user` itself, or scratch
    /// memory of the reorder's source size (to be copied out with `finish`).
    static func output(_ user: UnsafeMutablePointer<Float>, _ back: DNNLReorder) -> DNNLBuffer {
        if back.isIdentity { return DNNLBuffer(pointer: UnsafeMutableRawPointer(user), scratch: nil) }
        var md = back.from
        let s = TensorStorage(uninitializedCount: (dnnl_memory_desc_get_size(&md) + 3) / 4)
        return DNNLBuffer(pointer: UnsafeMutableRawPointer(s.pointer), scratch: s)
    }

    /// Copies an output buffer back into the user's plain layout.
    func finish(_ user: UnsafeMutablePointer<Float>, _ back: DNNLReorder, op: String) throws {
        if scratch != nil { try back.run(pointer, into: UnsafeMutableRawPointer(user), op: op) }
    }
}
