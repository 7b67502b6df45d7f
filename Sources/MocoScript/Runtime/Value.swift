import Foundation
import MocoTensor

/// An ordered record (`{name: "digits", size: 1797}`): fields keep the order they were written in.
public struct Record: Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init(_ fields: [(String, Value)] = []) { for (k, v) in fields { self[k] = v } }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if storage[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            storage[key] = newValue
        }
    }

    public var count: Int { keys.count }
    public var fields: [(key: String, value: Value)] { keys.map { ($0, storage[$0]!) } }
}

/// Every value a script can hold. Engine objects are reference types (a model trained in a
/// function is trained for its caller); lists, records and numbers are values.
public indirect enum Value {
    case `nil`
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([Value])
    case record(Record)
    /// `a..b` (inclusive) or `a..<b`.
    case range(Double, Double, inclusive: Bool)
    case function(Closure)
    case builtin(Builtin)
    /// A method with its receiver (`run.resume`).
    case method(Value, Builtin)
    case data(DataValue)
    case pipeline(PipelineValue)
    case schedule(ScheduleValue)
    case encoder(EncoderSpec)
    case model(ModelValue)
    case optimizer(OptimizerSpec)
    case monitor(MonitorSpec)
    case run(RunValue)
    case series(Series)
    case tensor(Tensor)
    /// A t-SNE embedding (`tsne(...)`).
    case embedding(EmbeddingValue)
    /// A fine-tuned classifier (`finetune(...)`).
    case classifier(ClassifierValue)

    /// The type's name as scripts and messages spell it.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .list: return "list"
        case .record: return "record"
        case .range: return "range"
        case .function, .builtin, .method: return "function"
        case .data(let d): return d.isSplit ? "dataset" : "images"
        case .pipeline: return "augmentation"
        case .schedule: return "schedule"
        case .encoder: return "encoder"
        case .model: return "model"
        case .optimizer: return "optimizer"
        case .monitor: return "monitor"
        case .run: return "run"
        case .series: return "series"
        case .tensor: return "tensor"
        case .embedding: return "embedding"
        case .classifier: return "classifier"
        }
    }

    /// Truth for `if`, `while`, `and`, `or`, `not`: only `false` and `nil` are false.
    public var isTruthy: Bool {
        switch self {
        case .nil: return false
        case .bool(let b): return b
        default: return true
        }
    }
}

extension Value: Equatable {
    /// Structural equality for plain values; identity for engine objects and functions.
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.record(let x), .record(let y)): return x == y
        case (.range(let a1, let b1, let i1), .range(let a2, let b2, let i2)): return a1 == a2 && b1 == b2 && i1 == i2
        case (.function(let x), .function(let y)): return x === y
        case (.builtin(let x), .builtin(let y)): return x === y
        case (.data(let x), .data(let y)): return x === y
        case (.model(let x), .model(let y)): return x === y
        case (.run(let x), .run(let y)): return x === y
        case (.classifier(let x), .classifier(let y)): return x === y
        case (.series(let x), .series(let y)): return x.name == y.name && x.x == y.x && x.y == y.y
        default: return false
        }
    }
}

// MARK: Printing

extension Value {
    /// How `print` shows the value: strings without quotes, everything else as `repr`.
    public var display: String {
        if case .string(let s) = self { return s }
        return repr
    }

    /// A short, useful one-line (or few-line) summary; strings quoted.
    public var repr: String {
        switch self {
        case .nil: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return Value.format(x)
        case .string(let s): return Value.quote(s)
        case .list(let items):
            if items.count > 20 {
                return "[" + items.prefix(10).map(\.repr).joined(separator: ", ") + ", ... (\(items.count) items)]"
            }
            return "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .record(let r):
            return "{"
                + r.fields.map { "\(Value.isIdentifier($0.key) ? $0.key : Value.quote($0.key)): \($0.value.repr)" }
                .joined(separator: ", ") + "}"
        case .range(let a, let b, let inclusive):
            return "\(Value.format(a))\(inclusive ? ".." : "..<")\(Value.format(b))"
        case .function(let c): return "<fn \(c.decl.name)(\(c.decl.params.map(\.name).joined(separator: ", ")))>"
        case .builtin(let b): return "<builtin \(b.signature)>"
        case .method(let r, let b): return "<method \(r.typeName).\(b.signature)>"
        case .data(let d): return d.summary
        case .pipeline(let p): return p.summary
        case .schedule(let s): return "schedule \(s.name)"
        case .encoder(let e): return e.summary
        case .model(let m): return m.summary
        case .optimizer(let o): return o.summary
        case .monitor(let m): return m.summary
        case .run(let r): return r.summary
        case .series(let s): return s.summary
        case .tensor(let t): return Value.tensorSummary(t)
        case .embedding(let e): return e.summary
        case .classifier(let c): return c.summary
        }
    }

    /// Integers without a decimal point; other numbers in the shortest form that reads back exactly.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// A float32 engine value as the decimal it was written as (0.2, not 0.20000000298023224).
    static func float(_ f: Float) -> Value { .number(decimal(f)) }

    /// `f` as the shortest decimal that reads back as `f`, widened to Double.
    static func decimal(_ f: Float) -> Double { Double("\(f)") ?? Double(f) }

    /// `s` as a moco string literal that reads back as `s` (quotes, backslashes, braces, newlines and tabs escaped).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "{": out += "\\{"
            case "}": out += "\\}"
            default: out.append(c)
            }
        }
        return out + "\""
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && TokenKind.keywords[s] == nil
    }

    static func tensorSummary(_ t: Tensor) -> String {
        let v = t.scalars
        guard !v.isEmpty else { return "tensor \(t.shape) (empty)" }
        if v.count <= 8 { return "tensor \(t.shape) [" + v.map { format(Double($0)) }.joined(separator: ", ") + "]" }
        let s = statistics(v.map(Double.init))
        return String(
            format: "tensor %@ mean %.4g std %.4g min %.4g max %.4g", "\(t.shape)", s.mean, s.std, s.min, s.max)
    }

    /// Mean, population standard deviation, minimum and maximum of non-empty `v`.
    static func statistics(_ v: [Double]) -> (mean: Double, std: Double, min: Double, max: Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot()
        return (mean, std, v.min()!, v.max()!)
    }

    /// Applies a format spec from string interpolation: `.3f`, `.1e`, `.2%`, `d`, with an optional width
    /// (width and precision at most `Limits.maxFormatWidth`).
    static func format(_ value: Value, spec: String) throws -> String {
        guard case .number(let x) = value else {
            throw ScriptError(.runtime, "format '\(spec)' needs a number, got \(value.typeName)", at: nil)
        }
        guard let kind = spec.last, "fe%d".contains(kind) else {
            throw ScriptError(
                .runtime, "unknown format '\(spec)'; use .3f, .1e, .2% or d, with an optional width", at: nil)
        }
        let parts = spec.dropLast().split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let numbers = parts.map {
            $0.isEmpty ? 0 : Int($0).flatMap { (0...Limits.maxFormatWidth).contains($0) ? $0 : nil }
        }
        guard parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            !numbers.contains(where: { $0 == nil })
        else {
            throw ScriptError(
                .runtime, "format '\(spec)': width and precision must be whole numbers up to \(Limits.maxFormatWidth)",
                at: nil)
        }
        let body = spec.dropLast()
        switch kind {
        case "f", "e": return String(format: "%\(body)\(kind)", x)
        case "%": return String(format: "%\(body)f%%", x * 100)
        default:
            guard x.isFinite, Swift.abs(x.rounded()) < 9.2e18 else {
                throw ScriptError(
                    .runtime, "format 'd' needs a finite number within ±9.2e18, got \(Value.format(x))", at: nil)
            }
            return String(format: "%\(parts[0])lld", Int64(x.rounded()))
        }
    }
}
