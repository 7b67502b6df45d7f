extension Tensor {
    /// Elementwise `a == b` as 1/0 (no gradient).
    public func eq(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "eq") { $0 == $1 ? 1 : 0 }
    }
    /// Elementwise `a != b` as 1/0 (no gradient).
    public func ne(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "ne") { $0 != $1 ? 1 : 0 }
    }
    /// Elementwise `a < b` as 1/0 (no gradient).
    public func lt(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "lt") { $0 < $1 ? 1 : 0 }
    }
    /// Elementwise `a <= b` as 1/0 (no gradient).
    public func le(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "le") { $0 <= $1 ? 1 : 0 }
    }
    /// Elementwise `a > b` as 1/0 (no gradient).
    public func gt(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "gt") { $0 > $1 ? 1 : 0 }
    }
    /// Elementwise `a >= b` as 1/0 (no gradient).
    public func ge(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcastMap(self, other, op: "ge") { $0 >= $1 ? 1 : 0 }
    }

    /// Picks `a` where `condition` is non-zero and `b` elsewhere, with broadcasting
    /// of all three. Gradients flow to the side that was picked.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try broadcastShape(broadcastShape(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let cond = try condition.detached().expanded(to: shape)
        let ea = try a.detached().expanded(to: shape)
        let eb = try b.detached().expanded(to: shape)
        let out = Tensor(uninitializedShape: shape)
        let pc = cond.storage.pointer
        let pa = ea.storage.pointer
        let pb = eb.storage.pointer
        let dst = out.storage.pointer
        Threads.parallelFor(out.count, minChunk: elementwiseGrain) { r in
            for i in r { dst[i] = pc[i] != 0 ? pa[i] : pb[i] }
        }
        return record(out, op: "where", inputs: [a, b]) { g in
            [
                a.requiresGrad ? try g.zipMap(cond) { $1 != 0 ? $0 : 0 }.sumToShape(a.shape) : nil,
                b.requiresGrad ? try g.zipMap(cond) { $1 != 0 ? 0 : $0 }.sumToShape(b.shape) : nil
            ]
        }
    }
}
