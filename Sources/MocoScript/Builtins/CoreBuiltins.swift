import Foundation

/// Printing, conversion, collections, assertions and help.
enum CoreBuiltins {
    static let all: [Builtin] = [
        Builtin(
            "print", [], variadic: true,
            doc: Doc(
                "Prints its arguments separated by spaces: strings as they are, other values as their short summary.",
                example: #"print("queue", model.queue, "keys")"#)
        ) { args in
            args.interpreter.output(args.rest.map(\.display).joined(separator: " "))
            return .nil
        },
        Builtin(
            "len", [.required("value")],
            doc: Doc(
                "Number of items of a list, record, string, series, dataset or range, or the first dimension of a tensor.",
                example: "len([1, 2, 3])   # 3")
        ) { args in
            switch try args["value"] {
            case .list(let l): return .number(Double(l.count))
            case .record(let r): return .number(Double(r.count))
            case .string(let s): return .number(Double(s.count))
            case .series(let s): return .number(Double(s.y.count))
            case .data(let d): return .number(Double(d.count))
            case .tensor(let t): return .number(Double(t.shape.first ?? 1))
            case .range(let a, let b, let inclusive):
                return .number(Double(try Operators.rangeCount(a, b, inclusive: inclusive, at: args.loc)))
            default:
                throw args.typeError(
                    "value", expected: "a list, record, string, series, dataset, range or tensor",
                    got: try args["value"])
            }
        },
        Builtin(
            "str", [.required("value")],
            doc: Doc(
                "The value as a string, as print shows it.", example: #"let name = "run-" + str(3)"#)
        ) { args in
            .string(try args["value"].display)
        },
        Builtin(
            "num", [.required("value")],
            doc: Doc(
                "A number from a string (`\"5e-4\"`) or a bool (1 or 0).", example: #"num("0.25") * 4   # 1"#)
        ) { args in
            switch try args["value"] {
            case .number: return try args["value"]
            case .bool(let b): return .number(b ? 1 : 0)
            case .string(let s):
                guard let x = Double(s.replacingOccurrences(of: "_", with: "").trimmingCharacters(in: .whitespaces))
                else {
                    throw args.error("\(Value.quote(s)) is not a number")
                }
                return .number(x)
            default: throw args.typeError("value", expected: "a string or a bool", got: try args["value"])
            }
        },
        Builtin(
            "type", [.required("value")],
            doc: Doc(
                """
                The name of the value's type: number, string, bool, nil, list, record, range, function, dataset, images, \
                augmentation, schedule, encoder, model, optimizer, monitor, run, series or tensor.
                """,
                example: "type(0.5)   # \"number\"")
        ) { args in
            .string(try args["value"].typeName)
        },
        Builtin(
            "range", [.required("start"), .optional("stop"), .optional("step", .number(1))],
            doc: Doc(
                """
                A list of numbers from `start` up to but not including `stop`, by `step`; with one argument, 0 up to \
                `start`.
                """,
                example: "range(0, 1, 0.25)   # [0, 0.25, 0.5, 0.75]")
        ) { args in
            var (start, stop) = (try args.number("start"), try args.optionalNumber("stop"))
            if stop == nil { (start, stop) = (0, start) }
            let step = try args.number("step")
            guard step != 0, step.isFinite else { throw args.error("'step' must be a finite non-zero number") }
            let steps = ((stop! - start) / step).rounded(.up)
            guard start.isFinite, stop!.isFinite, !steps.isNaN else {
                throw args.error("'start' and 'stop' must be finite numbers")
            }
            guard steps <= Double(Limits.maxListItems) else {
                throw args.error("that range has \(Value.format(steps)) items; the limit is \(Limits.maxListItems)")
            }
            // A range that runs the other way is empty (steps < 0 may be far beyond Int's range).
            return .list((0..<(steps > 0 ? Int(steps) : 0)).map { .number(start + Double($0) * step) })
        },
        Builtin(
            "keys", [.required("record")],
            doc: Doc(
                "The field names of a record, in order.", example: "keys({lr: 0.1, m: 0.99})   # [\"lr\", \"m\"]")
        ) { args in
            guard case .record(let r) = try args["record"] else {
                throw args.typeError("record", expected: "a record", got: try args["record"])
            }
            return .list(r.keys.map { .string($0) })
        },
        Builtin(
            "sorted", [.required("list"), .optional("reverse", .bool(false))],
            doc: Doc(
                """
                The list sorted ascending (numbers or strings), or descending with `reverse: true`; NaN comes last either \
                way.
                """,
                example: "sorted([3, 1, 2])   # [1, 2, 3]")
        ) { args in
            let items = try Operators.list(try args["list"], at: args.loc)
            // NaN sorts last (both ways), so the order is a total one.
            func isNaN(_ v: Value) -> Bool { if case .number(let x) = v { return x.isNaN } else { return false } }
            let numbers = items.filter { !isNaN($0) }
            let nans = items.filter(isNaN)
            let sorted = try numbers.sorted { a, b in
                guard case .bool(let less) = try Operators.binary(.less, a, b, at: args.loc) else { return false }
                return less
            }
            return .list((try args.bool("reverse") ? sorted.reversed() : sorted) + nans)
        },
        Builtin(
            "join", [.required("list"), .optional("separator", .string(", "))],
            doc: Doc(
                "The items as one string with `separator` between them.", example: #"join([1, 2, 3], "-")   # "1-2-3""#)
        ) { args in
            .string(
                try Operators.list(try args["list"], at: args.loc).map(\.display).joined(
                    separator: try args.string("separator")))
        },
        Builtin(
            "assert", [.required("condition"), .optional("message", .string("assertion failed"))],
            doc: Doc(
                "Stops the script with `message` unless `condition` is true.",
                example: #"assert(run.knn.last > 0.9, "kNN accuracy too low")"#)
        ) { args in
            guard try args["condition"].isTruthy else {
                throw ScriptError(.runtime, "assert: \(try args.string("message"))", at: args.loc)
            }
            return .nil
        },
        Builtin(
            "help", [.optional("name")],
            doc: Doc(
                """
                Prints what a builtin does, its arguments with their defaults and an example (or what a member such as \
                `\"model.queue\"` holds); without an argument, lists every builtin.
                """,
                example: #"help("train")"#)
        ) { args in
            switch try args["name"] {
            case .nil: args.interpreter.output(BuiltinLibrary.overview)
            case .builtin(let b), .method(_, let b): args.interpreter.output(BuiltinLibrary.help(b))
            case .string(let name):
                guard let text = BuiltinLibrary.help(topic: name) else {
                    let hint =
                        Resolver.closest(to: name, in: BuiltinLibrary.topics).map { "; did you mean '\($0)'?" } ?? ""
                    throw args.error("no builtin named \(Value.quote(name))" + hint)
                }
                args.interpreter.output(text)
            default:
                throw args.typeError("name", expected: "a builtin or its name", got: try args["name"])
            }
            return .nil
        }
    ]
}

/// Numeric functions.
enum MathBuiltins {
    static func unary(_ name: String, _ summary: String, _ example: String, _ f: @escaping @Sendable (Double) -> Double)
        -> Builtin
    {
        Builtin(name, [.required("x")], doc: Doc(summary, example: example)) { args in .number(f(try args.number("x")))
        }
    }

    static func numbers(_ args: Arguments) throws -> [Double] {
        let items = args.rest.count == 1 ? try Operators.list(args.rest[0], at: args.loc) : args.rest
        return try items.map {
            guard case .number(let x) = $0 else { throw args.error("needs numbers, got \($0.typeName)") }
            return x
        }
    }

    static let all: [Builtin] = [
        unary("abs", "Absolute value.", "abs(-2)   # 2") { Swift.abs($0) },
        unary("sqrt", "Square root.", "sqrt(16)   # 4") { $0.squareRoot() },
        unary("exp", "e to the power x.", "exp(0)   # 1") { Foundation.exp($0) },
        unary("log", "Natural logarithm.", "log(exp(2))   # 2") { Foundation.log($0) },
        unary("cos", "Cosine (radians).", "cos(pi)   # -1") { Foundation.cos($0) },
        unary("sin", "Sine (radians).", "sin(0)   # 0") { Foundation.sin($0) },
        unary("floor", "Largest whole number not above x.", "floor(2.7)   # 2") { $0.rounded(.down) },
        unary("ceil", "Smallest whole number not below x.", "ceil(2.1)   # 3") { $0.rounded(.up) },
        Builtin(
            "round", [.required("x"), .optional("digits", .number(0))],
            doc: Doc(
                "x rounded to `digits` decimal places (halves away from zero).", example: "round(0.96, digits: 1)   # 1"
            )
        ) { args in
            let p = Foundation.pow(10, Double(try args.int("digits", min: -300, max: 300)))
            return .number((try args.number("x") * p).rounded() / p)
        },
        Builtin(
            "min", [], variadic: true,
            doc: Doc("The smallest of its arguments, or of one list or series.", example: "min(3, 1, 2)   # 1")
        ) { args in
            guard let m = try numbers(args).min() else { throw args.error("needs at least one number") }
            return .number(m)
        },
        Builtin(
            "max", [], variadic: true,
            doc: Doc("The largest of its arguments, or of one list or series.", example: "max(run.knn)")
        ) { args in
            guard let m = try numbers(args).max() else { throw args.error("needs at least one number") }
            return .number(m)
        },
        Builtin(
            "sum", [], variadic: true,
            doc: Doc("The sum of its arguments, or of one list or series.", example: "sum([1, 2, 3])   # 6")
        ) { args in
            .number(try numbers(args).reduce(0, +))
        },
        Builtin(
            "mean", [], variadic: true,
            doc: Doc("The mean of its arguments, or of one list or series.", example: "mean(run.loss)")
        ) { args in
            let v = try numbers(args)
            guard !v.isEmpty else { throw args.error("needs at least one number") }
            return .number(v.reduce(0, +) / Double(v.count))
        }
    ]
}
