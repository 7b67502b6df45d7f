import Foundation
import MocoTensor

/// Arithmetic, comparison, indexing and iteration on values.
enum Operators {
    static func binary(_ op: BinaryOp, _ a: Value, _ b: Value, at loc: Loc) throws -> Value {
        switch op {
        case .equal: return .bool(a == b)
        case .notEqual: return .bool(a != b)
        default: break
        }
        switch (a, b) {
        case (.number(let x), .number(let y)):
            switch op {
            case .add: return .number(x + y)
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            case .divide:
                guard y != 0 else { throw ScriptError(.runtime, "division by zero", at: loc) }
                return .number(x / y)
            case .remainder:
                guard y != 0 else { throw ScriptError(.runtime, "remainder by zero", at: loc) }
                let r = x.truncatingRemainder(dividingBy: y)
                return .number(r != 0 && (r < 0) != (y < 0) ? r + y : r)
            case .power: return .number(Foundation.pow(x, y))
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            default: break
            }
        case (.string(let x), .string(let y)):
            switch op {
            case .add: return .string(x + y)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            default: break
            }
        case (.string(let s), .number(let n)) where op == .multiply:
            guard n >= 0, n == n.rounded(), n < 1e9 else {
                throw ScriptError(.runtime, "a string repeats a whole number of times, got \(Value.format(n))", at: loc)
            }
            guard Double(s.utf8.count) * n <= Double(Limits.maxStringLength) else {
                throw ScriptError(
                    .runtime, "that string would have more than \(Limits.maxStringLength) characters", at: loc)
            }
            return .string(String(repeating: s, count: Int(n)))
        case (.list(let x), .list(let y)) where op == .add: return .list(x + y)
        case (.list(let x), .number(let n)) where op == .multiply:
            guard n >= 0, n == n.rounded(), Double(x.count) * n <= Double(Limits.maxListItems) else {
                throw ScriptError(.runtime, "a list repeats a whole number of times, got \(Value.format(n))", at: loc)
            }
            return .list(Array([[Value]](repeating: x, count: Int(n)).joined()))
        case (.record(let x), .record(let y)) where op == .add:
            var r = x
            for (k, v) in y.fields { r[k] = v }
            return .record(r)
        case (.pipeline(let x), .pipeline(let y)) where op == .add:
            return .pipeline(PipelineValue(steps: x.steps + y.steps))
        case (.tensor, _), (_, .tensor): return try tensorBinary(op, a, b, at: loc)
        default: break
        }
        throw ScriptError(.runtime, "cannot apply '\(op.rawValue)' to \(a.typeName) and \(b.typeName)", at: loc)
    }

    private static func tensorBinary(_ op: BinaryOp, _ a: Value, _ b: Value, at loc: Loc) throws -> Value {
        func tensor(_ v: Value) throws -> Tensor {
            switch v {
            case .tensor(let t): return t
            case .number(let x): return Tensor(Float(x))
            default:
                throw ScriptError(.runtime, "cannot apply '\(op.rawValue)' to \(a.typeName) and \(b.typeName)", at: loc)
            }
        }
        let x = try tensor(a)
        let y = try tensor(b)
        do {
            switch op {
            case .add: return .tensor(try x + y)
            case .subtract: return .tensor(try x - y)
            case .multiply: return .tensor(try x * y)
            case .divide: return .tensor(try x / y)
            default: throw ScriptError(.runtime, "cannot apply '\(op.rawValue)' to tensors", at: loc)
            }
        } catch let e as TensorError {
            throw ScriptError(.runtime, "\(e.op): \(e.message)", at: loc)
        }
    }

    /// A whole-number index into a collection of `count`, negative counting from the end.
    static func position(_ index: Value, count: Int, of what: String, at loc: Loc) throws -> Int {
        guard case .number(let x) = index, let n = Value.whole(x) else {
            throw ScriptError(
                .runtime, "\(what) index must be a whole number, got \(index.typeName) \(index.repr)", at: loc)
        }
        let i = n < 0 ? n + count : n
        guard (0..<count).contains(i) else {
            throw ScriptError(
                .runtime, "index \(n) is out of range for \(what) of \(count) item\(count == 1 ? "" : "s")", at: loc)
        }
        return i
    }

    static func index(_ base: Value, _ index: Value, at loc: Loc) throws -> Value {
        switch base {
        case .list(let items): return items[try position(index, count: items.count, of: "a list", at: loc)]
        case .string(let s):
            let chars = Array(s)
            return .string(String(chars[try position(index, count: chars.count, of: "a string", at: loc)]))
        case .record(let r):
            guard case .string(let key) = index else {
                throw ScriptError(.runtime, "a record is indexed by a string, got \(index.typeName)", at: loc)
            }
            guard let v = r[key] else {
                throw ScriptError(
                    .runtime, "record has no field \(Value.quote(key))", at: loc,
                    notes: ["fields: \(r.keys.joined(separator: ", "))"])
            }
            return v
        case .series(let s): return .number(s.y[try position(index, count: s.y.count, of: "a series", at: loc)])
        case .tensor(let t):
            guard t.rank > 0 else { throw ScriptError(.runtime, "a scalar tensor cannot be indexed", at: loc) }
            let i = try position(index, count: t.shape[0], of: "a tensor's first axis", at: loc)
            let row = try t.indexSelect(axis: 0, [i])
            if t.rank == 1 { return .number(Double(row.scalars[0])) }
            return .tensor(try row.reshaped(Array(t.shape.dropFirst())))
        case .range(let a, let b, let inclusive):
            let count = try rangeCount(a, b, inclusive: inclusive, at: loc, limit: 1 << 53)
            return .number(a + Double(try position(index, count: count, of: "a range", at: loc)))
        default:
            throw ScriptError(.runtime, "\(base.typeName) cannot be indexed", at: loc)
        }
    }

    /// `base` with element `index` replaced (lists and records are values).
    static func settingIndex(_ base: Value, _ index: Value, to value: Value, at loc: Loc) throws -> Value {
        switch base {
        case .list(var items):
            items[try position(index, count: items.count, of: "a list", at: loc)] = value
            return .list(items)
        case .record(var r):
            guard case .string(let key) = index else {
                throw ScriptError(.runtime, "a record is indexed by a string, got \(index.typeName)", at: loc)
            }
            r[key] = value
            return .record(r)
        default:
            throw ScriptError(
                .runtime, "cannot assign an element of \(base.typeName)", at: loc,
                notes: base.typeName == "string" ? ["strings cannot be changed; build a new one"] : [])
        }
    }

    /// The number of items of the range `a..b` or `a..<b` (step 1), refused beyond `limit`.
    static func rangeCount(_ a: Double, _ b: Double, inclusive: Bool, at loc: Loc?, limit: Int = Limits.maxListItems)
        throws -> Int
    {
        guard a.isFinite, b.isFinite else {
            throw ScriptError(.runtime, "the range \(Value.format(a))..\(Value.format(b)) is infinite", at: loc)
        }
        guard b >= a else { return 0 }
        let span = b - a
        var count = span.rounded(.down) + 1
        if !inclusive && span == span.rounded(.down) { count -= 1 }
        guard count <= Double(limit), count < 9e15 else {
            throw ScriptError(
                .runtime,
                "the range \(Value.format(a))..\(Value.format(b)) has \(Value.format(count)) items; the limit is \(limit)",
                at: loc)
        }
        return Int(count)
    }

    /// The items of a list, a range (step 1), a string (characters), a record (keys), a series (values).
    static func list(_ sequence: Value, at loc: Loc?) throws -> [Value] {
        if case .range(let a, let b, let inclusive) = sequence {
            _ = try rangeCount(a, b, inclusive: inclusive, at: loc)
        }
        var out: [Value] = []
        try iterate(sequence, at: loc) {
            out.append($0)
            return true
        }
        return out
    }

    /// Calls `body` with each item until it returns false.
    static func iterate(_ sequence: Value, at loc: Loc?, _ body: (Value) throws -> Bool) throws {
        switch sequence {
        case .list(let items): for v in items { if try !body(v) { return } }
        case .range(let a, let b, let inclusive):
            guard a.isFinite, b.isFinite else {
                throw ScriptError(.runtime, "cannot iterate over an infinite range", at: loc)
            }
            // By index, so that a range beyond 2^53 (where x + 1 == x) still ends.
            let count = try rangeCount(a, b, inclusive: inclusive, at: loc, limit: Int.max)
            for k in 0..<count { if try !body(.number(a + Double(k))) { return } }
        case .string(let s): for c in s { if try !body(.string(String(c))) { return } }
        case .record(let r): for k in r.keys { if try !body(.string(k)) { return } }
        case .series(let s): for y in s.y { if try !body(.number(y)) { return } }
        default:
            throw ScriptError(
                .runtime, "cannot iterate over \(sequence.typeName)", at: loc,
                notes: ["loop over a list, a range (0..<n), a string, a record's keys or a series"])
        }
    }
}
