import Foundation
import MocoNN
import MocoTensor

/// Tensors, and saving/loading values.
enum TensorBuiltins {
    /// The shape and scalars of nested lists of numbers.
    static func flatten(_ v: Value, _ args: Arguments) throws -> (shape: [Int], scalars: [Float]) {
        switch v {
        case .number(let x): return ([], [Float(x)])
        case .list(let items):
            guard !items.isEmpty else { return ([0], []) }
            let parts = try items.map { try flatten($0, args) }
            guard parts.allSatisfy({ $0.shape == parts[0].shape }) else {
                throw args.error("the nested lists are ragged")
            }
            return ([items.count] + parts[0].shape, parts.flatMap(\.scalars))
        case .tensor(let t): return (t.shape, t.scalars)
        default: throw args.error("a tensor is made of numbers, got \(v.typeName)")
        }
    }

    static func shape(_ args: Arguments) throws -> [Int] {
        if case .number = try args["shape"] { return [try args.size("shape", min: 0)] }
        // The engine refuses a shape whose element count overflows or does not fit in memory.
        return try args.ints("shape", min: 0, max: Limits.maxSize)
    }

    static let all: [Builtin] = [
        Builtin(
            "tensor", [.required("values")],
            doc: Doc(
                "A float32 tensor from (nested) lists of numbers.", example: "let t = tensor([[1, 2], [3, 4]])")
        ) { args in
            let (shape, scalars) = try flatten(try args["values"], args)
            return .tensor(try Tensor(shape: shape, scalars: scalars))
        },
        Builtin("zeros", [.required("shape")], doc: Doc("A tensor of zeros.", example: "zeros([2, 3])")) { args in
            .tensor(try Tensor.zeros(try shape(args)))
        },
        Builtin(
            "randn", [.required("shape"), .optional("std", .number(1))],
            doc: Doc(
                "A tensor of normal draws (mean 0, `std`), from the script's seeded generator.",
                example: "randn([4, 8])")
        ) { args in
            var rng = args.interpreter.nextGenerator("randn")
            return .tensor(try Tensor.randn(try shape(args), std: Float(try args.number("std")), using: &rng))
        },
        Builtin(
            "save", [.required("value"), .required("path")],
            doc: Doc(
                """
                Writes atomically: a run as a full checkpoint, a model's encoder for export, or a tensor or record of \
                tensors as safetensors.
                """,
                example: #"save({features: model.features(data.test)}, "features.safetensors")"#)
        ) { args in
            let interp = args.interpreter
            switch try args["value"] {
            case .run, .model:
                guard let m = BuiltinLibrary.methods[try args["value"].typeName]?.first(where: { $0.name == "save" })
                else { return .nil }
                return try interp.call(.method(try args["value"], m), [try args["path"]], at: args.loc)
            default: break
            }
            let url = try interp.writableURL(try args.string("path"), kind: .safetensors, builtin: "save", at: args.loc)
            switch try args["value"] {
            case .tensor(let t): try SafeTensors.write([("tensor", .float(t))], to: url)
            case .record(let r):
                let state: StateDict = try r.fields.map {
                    guard case .tensor(let t) = $0.value else {
                        throw args.error("field '\($0.key)' is \($0.value.typeName), not a tensor")
                    }
                    return ($0.key, .float(t))
                }
                try SafeTensors.write(state, to: url)
            default:
                throw args.typeError(
                    "value", expected: "a run, a model, a tensor or a record of tensors", got: try args["value"])
            }
            interp.writtenFiles.append(url.path)
            return .string(url.path)
        },
        Builtin(
            "load", [.required("path")],
            doc: Doc(
                "Reads a safetensors file (ours or PyTorch's) as a record of tensors, by name.",
                example: #"let weights = load("encoder.safetensors")"#)
        ) { args in
            let (state, _) = try SafeTensors.read(
                try args.interpreter.readableURL(try args.string("path"), builtin: "load", at: args.loc))
            return .record(
                Record(
                    state.map { entry in
                        switch entry.tensor {
                        case .float(let t): return (entry.name, .tensor(t))
                        case .int64(let v, let shape):
                            return (
                                entry.name,
                                .tensor((try? Tensor(shape: shape, scalars: v.map(Float.init))) ?? Tensor(0))
                            )
                        }
                    }))
        }
    ]
}
