import Foundation

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastMap(a, b, op: "add", +, lanes: +)
        return record(y, op: "add", inputs: [a, b]) { g in
            [
                a.requiresGrad ? try g.sumToShape(a.shape) : nil,
                b.requiresGrad ? try g.sumToShape(b.shape) : nil
            ]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastMap(a, b, op: "sub", -, lanes: -)
        return record(y, op: "sub", inputs: [a, b]) { g in
            [
                a.requiresGrad ? try g.sumToShape(a.shape) : nil,
                b.requiresGrad ? try g.map { -$0 }.sumToShape(b.shape) : nil
            ]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastMap(a, b, op: "mul", *, lanes: *)
        return record(y, op: "mul", inputs: [a, b]) { g in
            [
                a.requiresGrad ? try broadcastMap(g, b, op: "mul", *, lanes: *).sumToShape(a.shape) : nil,
                b.requiresGrad ? try broadcastMap(g, a, op: "mul", *, lanes: *).sumToShape(b.shape) : nil
            ]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastMap(a, b, op: "div", /, lanes: /)
        return record(y, op: "div", inputs: [a, b]) { g in
            [
                a.requiresGrad ? try broadcastMap(g, b, op: "div", /).sumToShape(a.shape) : nil,
                b.requiresGrad
                    ? try broadcastMap(broadcastMap(g, y, op: "div", *), b, op: "div") { -$0 / $1 }.sumToShape(b.shape)
                    : nil
            ]
        }
    }

    /// Elementwise power `a^b` with broadcasting. The gradient for `b` uses `log(a)`
    /// and is only meaningful where `a > 0`.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        let a = self
        let b = exponent
        let y = try Tensor.broadcastMap(a, b, op: "pow") { Foundation.pow($0, $1) }
        return Tensor.record(y, op: "pow", inputs: [a, b]) { g in
            var ga: Tensor? = nil
            var gb: Tensor? = nil
            if a.requiresGrad {
                let d = try Tensor.broadcastMap(a, b, op: "pow") { $1 * Foundation.pow($0, $1 - 1) }
                ga = try Tensor.broadcastMap(g, d, op: "pow", *).sumToShape(a.shape)
            }
            if b.requiresGrad {
                let d = try Tensor.broadcastMap(y, a, op: "pow") { $0 * Foundation.log($1) }
                gb = try Tensor.broadcastMap(g, d, op: "pow", *).sumToShape(b.shape)
            }
            return [ga, gb]
        }
    }
}
