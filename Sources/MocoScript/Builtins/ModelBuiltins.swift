import Moco
import MocoNN
import MocoTensor

/// Encoders and MoCo models.
enum ModelBuiltins {
    static let all: [Builtin] = [
        Builtin(
            "convnet",
            [.optional("channels", .list([32, 64, 128].map { .number($0) })), .optional("in_channels", .number(1))],
            doc: Doc(
                """
                A small conv net: per width a 3x3 conv (stride 1 first, then 2), batch norm and ReLU, then global average \
                pooling.
                """,
                example: "convnet([32, 64, 128])")
        ) { args in
            let channels = try args.ints("channels", min: 1, max: Limits.maxSize)
            guard !channels.isEmpty else { throw args.error("'channels' must be a non-empty list of positive widths") }
            return .encoder(
                EncoderSpec(architecture: .convnet(channels: channels), inputChannels: try args.size("in_channels")))
        },
        Builtin(
            "resnet",
            [
                .optional("depth", .number(18)), .optional("width", .number(64)), .optional("stem", .string("cifar")),
                .optional("in_channels", .number(3))
            ],
            doc: Doc(
                """
                A ResNet-18 or -34 (torchvision's layout); `width` is the first stage's channels, `stem` \"cifar\" (3x3 \
                conv, no pooling) or \"imagenet\" (7x7 conv and max pooling).
                """,
                example: #"resnet(18, width: 16, stem: "cifar")"#)
        ) { args in
            let depth = try args.int("depth")
            guard depth == 18 || depth == 34 else { throw args.error("'depth' must be 18 or 34, got \(depth)") }
            let stem: ResNet.Stem
            switch try args.string("stem") {
            case "cifar": stem = .cifar
            case "imagenet": stem = .imagenet
            case let s: throw args.error("'stem' must be \"cifar\" or \"imagenet\", got \(Value.quote(s))")
            }
            return .encoder(
                EncoderSpec(
                    architecture: .resnet(depth: depth, width: try args.size("width"), stem: stem),
                    inputChannels: try args.size("in_channels")))
        },
        Builtin(
            "moco",
            [
                .optional("version", .number(2)), .optional("encoder"), .optional("dim", .number(128)),
                .optional("hidden"),
                .optional("queue", .number(4096)), .optional("momentum"), .optional("temperature"),
                .optional("symmetric", .bool(false)),
                .optional("shuffle_bn", .bool(true)), .optional("splits", .number(8))
            ],
            doc: Doc(
                """
                A MoCo model. v1: linear head to `dim`; v2: MLP head (`hidden`, default the feature width); both with a queue of \
                `queue` keys and shuffle-BN emulated over `splits` (off with `shuffle_bn: false`). v3: no queue, a 3-layer \
                projector and 2-layer predictor (`hidden`, default 2 x max(features, dim)), symmetric loss. `encoder` defaults to \
                convnet(). `momentum` (number, schedule or function of t) defaults to 0.999 (v1/v2) or cosine(0.99, 1) (v3); \
                `temperature` to 0.07 (v1), 0.2 (v2) or 1 (v3).
                """,
                example:
                    "let model = moco(version: 2, encoder: convnet([32, 64, 128]), dim: 64, queue: 1024, momentum: 0.99, temperature: 0.2)"
            )
        ) { args in
            let version = try args.int("version")
            guard let variant = Variant(rawValue: version) else {
                throw args.error("'version' must be 1, 2 or 3, got \(version)")
            }
            let spec: EncoderSpec
            switch try args["encoder"] {
            case .nil: spec = EncoderSpec(architecture: .convnet(channels: [32, 64, 128]), inputChannels: 1)
            case .encoder(let e): spec = e
            default:
                throw args.typeError(
                    "encoder", expected: "an encoder such as convnet() or resnet()", got: try args["encoder"])
            }
            let dim = try args.size("dim")
            let shuffle = try args.bool("shuffle_bn")
            let splits = variant.usesQueue && shuffle ? try args.size("splits", max: 4096) : 1
            let hidden = (try args.isNil("hidden")) ? nil : try args.size("hidden")
            let temperature = try args.optionalNumber("temperature") ?? variant.defaultTemperature
            guard temperature > 0, temperature.isFinite else {
                throw args.error("'temperature' must be a positive finite number, got \(Value.format(temperature))")
            }
            let (start, end) = variant.defaultMomentum
            let momentum =
                (try args.isNil("momentum"))
                ? (start == end ? .constant(start) : ScheduleBuiltins.cosine(start, end))
                : try args.schedule("momentum").limited(to: 0...1, what: "moco: 'momentum'", at: args.loc)
            return .model(
                try ModelValue.make(
                    variant: variant, spec: spec, dim: dim, hidden: hidden, queue: try args.size("queue"),
                    temperature: temperature, symmetric: try args.bool("symmetric"), splits: splits,
                    momentum: momentum, interpreter: args.interpreter))
        }
    ]
}
