import MocoTensor

/// The arguments of one builtin call, bound to its parameters, with typed accessors that
/// throw located errors quoting the signature.
public struct Arguments {
    let builtin: Builtin
    /// One value per parameter (defaults filled in).
    var values: [Value]
    /// Extra positional arguments of a variadic builtin.
    public var rest: [Value]
    /// The receiver of a method call.
    public let receiver: Value?
    public let loc: Loc
    unowned let interpreter: Interpreter

    /// The value of parameter `name`; a name the builtin does not declare is an error in the
    /// builtin, reported as such rather than trapping.
    public subscript(_ name: String) -> Value {
        get throws {
            guard let i = builtin.params.firstIndex(where: { $0.name == name }) else {
                throw error("internal error: no parameter '\(name)' (please report this)")
            }
            return values[i]
        }
    }

    /// Parameter `name`'s payload, unwrapped by `payload` (`\.asModel`), or an error naming what
    /// was `expected`.
    func typed<T>(_ name: String, _ expected: String, _ payload: (Value) -> T?) throws -> T {
        let value = try self[name]
        guard let unwrapped = payload(value) else { throw typeError(name, expected: expected, got: value) }
        return unwrapped
    }

    func typeError(_ name: String, expected: String, got: Value) -> ScriptError {
        ScriptError(
            .runtime, "\(builtin.name): '\(name)' must be \(expected), got \(got.typeName) \(got.repr.prefix(40))",
            at: loc,
            notes: ["signature: \(builtin.signature)"])
    }

    public func error(_ message: String) -> ScriptError {
        ScriptError(.runtime, "\(builtin.name): \(message)", at: loc, notes: ["signature: \(builtin.signature)"])
    }

    public func isNil(_ name: String) throws -> Bool {
        if case .nil = try self[name] { return true }
        return false
    }

    public func number(_ name: String) throws -> Double {
        try typed(name, "a number", \.asNumber)
    }

    public func optionalNumber(_ name: String) throws -> Double? { try isNil(name) ? nil : try number(name) }

    /// A number in a range, e.g. a probability.
    public func number(_ name: String, in range: ClosedRange<Double>) throws -> Double {
        let x = try number(name)
        guard range.contains(x) else {
            throw error(
                "'\(name)' must be in [\(Value.format(range.lowerBound)), \(Value.format(range.upperBound))], got \(Value.format(x))"
            )
        }
        return x
    }

    /// A whole number, through the one checked conversion (`Value.whole`): NaN, infinities,
    /// fractions and magnitudes beyond 2^53 are refused with the builtin's name.
    public func int(_ name: String, min: Int? = nil, max: Int? = nil) throws -> Int {
        let x = try number(name)
        guard let n = Value.whole(x) else { throw typeError(name, expected: "a whole number", got: .number(x)) }
        if let min, n < min { throw error("'\(name)' must be at least \(min), got \(n)") }
        if let max, n > max { throw error("'\(name)' must be at most \(max), got \(n)") }
        return n
    }

    /// A size (a count of things, a width, a dimension): a whole number from `min` (default 1)
    /// up to `max` (default `Limits.maxSize`).
    public func size(_ name: String, min: Int = 1, max: Int = Limits.maxSize) throws -> Int {
        try int(name, min: min, max: max)
    }

    public func string(_ name: String) throws -> String {
        try typed(name, "a string", \.asString)
    }

    public func optionalString(_ name: String) throws -> String? { try isNil(name) ? nil : try string(name) }

    public func bool(_ name: String) throws -> Bool {
        try typed(name, "true or false", \.asBool)
    }

    /// A list of whole numbers, each in `min...max`.
    public func ints(_ name: String, min: Int = Int.min, max: Int = Int.max) throws -> [Int] {
        let value = try self[name]
        guard case .list(let items) = value else {
            throw typeError(name, expected: "a list of whole numbers", got: value)
        }
        return try items.map {
            guard case .number(let x) = $0, let n = Value.whole(x) else {
                throw typeError(name, expected: "a list of whole numbers", got: value)
            }
            guard n >= min, n <= max else {
                throw error("'\(name)' must hold whole numbers from \(min) to \(max), got \(n)")
            }
            return n
        }
    }

    public func numbers(_ name: String) throws -> [Double] {
        let value = try self[name]
        guard case .list(let items) = value else { throw typeError(name, expected: "a list of numbers", got: value) }
        return try items.map {
            guard case .number(let x) = $0 else { throw typeError(name, expected: "a list of numbers", got: value) }
            return x
        }
    }

    /// A closed interval given as a range (`0.2..1`) or a two-element list.
    public func interval(_ name: String) throws -> ClosedRange<Double> {
        var bounds: (Double, Double)
        let value = try self[name]
        switch value {
        case .range(let a, let b, _): bounds = (a, b)
        case .list(let l) where l.count == 2:
            guard case .number(let a) = l[0], case .number(let b) = l[1] else {
                throw typeError(name, expected: "a range like 0.2..1", got: value)
            }
            bounds = (a, b)
        case .number(let x): bounds = (x, x)
        default: throw typeError(name, expected: "a range like 0.2..1", got: value)
        }
        guard bounds.0.isFinite, bounds.1.isFinite else {
            throw error("'\(name)' must have finite bounds, got \(Value.format(bounds.0))..\(Value.format(bounds.1))")
        }
        guard bounds.0 <= bounds.1 else {
            throw error("'\(name)' is an empty range \(Value.format(bounds.0))..\(Value.format(bounds.1))")
        }
        return bounds.0...bounds.1
    }

    public func data(_ name: String) throws -> DataValue {
        try typed(name, "a dataset", \.asData)
    }

    /// Labelled images: a split part (`data.train`), or a dataset without a split.
    public func images(_ name: String) throws -> DataValue {
        let d = try data(name)
        guard !d.isSplit else {
            throw error("'\(name)' must be one part of a dataset, such as \(d.name).train or \(d.name).test")
        }
        return d
    }

    public func model(_ name: String) throws -> ModelValue {
        try typed(name, "a model (see moco())", \.asModel)
    }

    public func pipeline(_ name: String) throws -> PipelineValue {
        try typed(name, "an augmentation", \.asPipeline)
    }

    public func tensor(_ name: String) throws -> Tensor {
        try typed(name, "a tensor", \.asTensor)
    }

    /// A schedule from a number (constant), a schedule, or a function of progress `t`.
    public func schedule(_ name: String) throws -> ScheduleValue {
        try interpreter.schedule(from: try self[name], what: "\(builtin.name): '\(name)'", at: loc)
    }
}
