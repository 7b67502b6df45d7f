import CDNNL
import Foundation

/// oneDNN convolution primitives called directly through the C API.
///
/// With `plainMemory` false every tensor already lies in the layout the primitive
/// prefers: the upper bound for any wrapper. With `plainMemory` true the caller's tensors
/// are plain NCHW/OIHW, as ours are, and each call reorders into and out of the
/// preferred layouts, which is the same job our wrapper does.
final class RawConvolution {
    private var engine: dnnl_engine_t?
    private var stream: dnnl_stream_t?
    private var primitives: [dnnl_primitive_t?] = []
    private var descriptors: [dnnl_primitive_desc_t?] = []
    private var memories: [dnnl_memory_t?] = []
    private var forwardArgs: [dnnl_exec_arg_t] = []
    private var backwardDataArgs: [dnnl_exec_arg_t] = []
    private var backwardWeightsArgs: [dnnl_exec_arg_t] = []
    /// Reorders run before (`into`) and after (`outOf`) each pass, when `plainMemory`.
    private var reorders: [String: [(dnnl_primitive_t?, [dnnl_exec_arg_t])]] = [:]
    private let plainMemory: Bool

    struct Failure: Error {
        let what: String
        let status: dnnl_status_t
    }

    /// `DNNL_MEMORY_ALLOCATE`: the library allocates the buffer.
    private func check(_ s: dnnl_status_t, _ what: String) throws {
        guard s == dnnl_success else { throw Failure(what: what, status: s) }
    }

    /// Primitives for a `k x k`, stride-1, padding `k / 2` convolution of
    /// `[n, c, h, w]` to `o` channels, with allocated, randomly filled buffers.
    init(n: Int, c: Int, h: Int, w: Int, o: Int, k: Int, plainMemory: Bool) throws {
        self.plainMemory = plainMemory
        try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine")
        try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream")
        func any(_ dims: [Int]) throws -> dnnl_memory_desc_t {
            var md = dnnl_memory_desc_t()
            try check(moco_md_init(&md, Int32(dims.count), dims.map(Int64.init), dnnl_format_tag_any), "md")
            return md
        }
        var src = try any([n, c, h, w])
        var dst = try any([n, o, h, w])
        var wei = try any([o, c, k, k])
        let one: [Int64] = [1, 1]
        let zero: [Int64] = [0, 0]
        let pad: [Int64] = [Int64(k / 2), Int64(k / 2)]
        var fdesc = dnnl_convolution_desc_t()
        try check(moco_conv_forward_init(&fdesc, &src, &wei, nil, &dst, one, zero, pad, pad), "forward desc")
        var fpd: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&fpd, &fdesc, nil, engine, nil), "forward pd")
        var bdesc = dnnl_convolution_desc_t()
        try check(moco_conv_backward_data_init(&bdesc, &src, &wei, &dst, one, zero, pad, pad), "bwd data desc")
        var bpd: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&bpd, &bdesc, nil, engine, fpd), "bwd data pd")
        var wdesc = dnnl_convolution_desc_t()
        try check(
            moco_conv_backward_weights_init(&wdesc, &src, &wei, nil, &dst, one, zero, pad, pad), "bwd weights desc")
        var wpd: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&wpd, &wdesc, nil, engine, fpd), "bwd weights pd")
        descriptors = [fpd, bpd, wpd]
        for pd in descriptors {
            var p: dnnl_primitive_t?
            try check(dnnl_primitive_create(&p, pd), "primitive")
            primitives.append(p)
        }
        func memory(_ pd: dnnl_primitive_desc_t?, _ q: dnnl_query_t) throws -> dnnl_memory_t? {
            var m: dnnl_memory_t?
            try check(
                dnnl_memory_create(
                    &m, dnnl_primitive_desc_query_md(pd, q, 0), engine, UnsafeMutableRawPointer(bitPattern: -1)),
                "memory")
            var handle: UnsafeMutableRawPointer?
            dnnl_memory_get_data_handle(m, &handle)
            var md = dnnl_primitive_desc_query_md(pd, q, 0)!.pointee
            let count = dnnl_memory_desc_get_size(&md) / 4
            let f = handle!.bindMemory(to: Float.self, capacity: count)
            for i in 0..<count { f[i] = Float((i * 7919) % 1000) / 1000 - 0.5 }
            memories.append(m)
            return m
        }
        func makePlainMemory(_ dims: [Int], _ tag: dnnl_format_tag_t) throws -> dnnl_memory_t? {
            var md = dnnl_memory_desc_t()
            try check(moco_md_init(&md, Int32(dims.count), dims.map(Int64.init), tag), "md")
            var m: dnnl_memory_t?
            try check(dnnl_memory_create(&m, &md, engine, UnsafeMutableRawPointer(bitPattern: -1)), "memory")
            memories.append(m)
            return m
        }
        /// A reorder between a plain memory and a primitive's memory.
        func reorder(_ from: dnnl_memory_t?, _ to: dnnl_memory_t?) throws -> (dnnl_primitive_t?, [dnnl_exec_arg_t]) {
            var a: UnsafePointer<dnnl_memory_desc_t>?
            var b: UnsafePointer<dnnl_memory_desc_t>?
            dnnl_memory_get_memory_desc(from, &a)
            dnnl_memory_get_memory_desc(to, &b)
            var pd: dnnl_primitive_desc_t?
            try check(dnnl_reorder_primitive_desc_create(&pd, a, engine, b, engine, nil), "reorder pd")
            var p: dnnl_primitive_t?
            try check(dnnl_primitive_create(&p, pd), "reorder")
            descriptors.append(pd)
            primitives.append(p)
            return (
                p, [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: from), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: to)]
            )
        }
        forwardArgs = [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: try memory(fpd, dnnl_query_src_md)),
            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: try memory(fpd, dnnl_query_weights_md)),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: try memory(fpd, dnnl_query_dst_md))
        ]
        backwardDataArgs = [
            dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_DST, memory: try memory(bpd, dnnl_query_diff_dst_md)),
            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: try memory(bpd, dnnl_query_weights_md)),
            dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_SRC, memory: try memory(bpd, dnnl_query_diff_src_md))
        ]
        backwardWeightsArgs = [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: try memory(wpd, dnnl_query_src_md)),
            dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_DST, memory: try memory(wpd, dnnl_query_diff_dst_md)),
            dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_WEIGHTS, memory: try memory(wpd, dnnl_query_diff_weights_md))
        ]
        if plainMemory {
            let x = try makePlainMemory([n, c, h, w], dnnl_nchw)
            let y = try makePlainMemory([n, o, h, w], dnnl_nchw)
            let wt = try makePlainMemory([o, c, k, k], dnnl_oihw)
            let gx = try makePlainMemory([n, c, h, w], dnnl_nchw)
            let gy = try makePlainMemory([n, o, h, w], dnnl_nchw)
            let gw = try makePlainMemory([o, c, k, k], dnnl_oihw)
            reorders["forward.into"] = [try reorder(x, forwardArgs[0].memory), try reorder(wt, forwardArgs[1].memory)]
            reorders["forward.outOf"] = [try reorder(forwardArgs[2].memory, y)]
            reorders["backward.into"] = [
                try reorder(gy, backwardDataArgs[0].memory), try reorder(wt, backwardDataArgs[1].memory),
                try reorder(x, backwardWeightsArgs[0].memory), try reorder(gy, backwardWeightsArgs[1].memory)
            ]
            reorders["backward.outOf"] = [
                try reorder(backwardDataArgs[2].memory, gx), try reorder(backwardWeightsArgs[2].memory, gw)
            ]
        }
    }

    private func run(_ primitive: dnnl_primitive_t?, _ args: [dnnl_exec_arg_t]) throws {
        try check(dnnl_primitive_execute(primitive, stream, Int32(args.count), args), "execute")
        try check(dnnl_stream_wait(stream), "wait")
    }

    private func runReorders(_ key: String) throws {
        for (p, args) in reorders[key] ?? [] { try run(p, args) }
    }

    func forward() throws {
        try runReorders("forward.into")
        try run(primitives[0], forwardArgs)
        try runReorders("forward.outOf")
    }

    /// Backward data then backward weights, as one training step needs.
    func backward() throws {
        try runReorders("backward.into")
        try run(primitives[1], backwardDataArgs)
        try run(primitives[2], backwardWeightsArgs)
        try runReorders("backward.outOf")
    }

    deinit {
        for m in memories { dnnl_memory_destroy(m) }
        for p in primitives { dnnl_primitive_destroy(p) }
        for d in descriptors { dnnl_primitive_desc_destroy(d) }
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }
}
