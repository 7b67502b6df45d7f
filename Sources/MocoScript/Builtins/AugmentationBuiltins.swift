import MocoData

/// Augmentations with torchvision's semantics, and pipelines of them.
enum AugmentationBuiltins {
    static func one(_ a: any Augmentation) -> Value { .pipeline(PipelineValue(steps: [a])) }

    /// `a` applied with probability `p` (itself when `p` is 1).
    static func maybe(_ a: any Augmentation, _ args: Arguments) throws -> Value {
        let p = try args.number("p", in: 0...1)
        return one(p == 1 ? a : try RandomApply(a, p: Float(p)))
    }

    static func floats(_ r: ClosedRange<Double>) -> ClosedRange<Float> { Float(r.lowerBound)...Float(r.upperBound) }

    static let all: [Builtin] = [
        Builtin(
            "augment", [], variadic: true,
            doc: Doc(
                """
                A pipeline applying its arguments (augmentations or pipelines) in order, as transforms.Compose. Pipelines \
                also compose with `+`.
                """,
                example: "let views = augment(random_resized_crop(8, scale: 0.5..1), gaussian_noise(0.1, p: 0.5))")
        ) { args in
            var steps: [any Augmentation] = []
            for (i, v) in args.rest.enumerated() {
                guard case .pipeline(let p) = v else {
                    throw args.error("argument \(i + 1) must be an augmentation, got \(v.typeName)")
                }
                steps += p.steps
            }
            return .pipeline(PipelineValue(steps: steps))
        },
        Builtin(
            "random_resized_crop",
            [
                .required("size"), .optional("scale", .range(0.08, 1, inclusive: true)),
                .optional("ratio", .range(0.75, 4.0 / 3, inclusive: true))
            ],
            doc: Doc(
                """
                Crops a random area (a `scale` fraction of the image, aspect ratio in `ratio`) and resizes it to `size` x \
                `size` with antialiased bilinear interpolation (torchvision's RandomResizedCrop).
                """,
                example: "random_resized_crop(32, scale: 0.2..1)")
        ) { args in
            one(
                try RandomResizedCrop(
                    try args.size("size", max: Limits.maxImageSide), scale: try args.interval("scale"),
                    ratio: try args.interval("ratio")))
        },
        Builtin(
            "horizontal_flip", [.optional("p", .number(0.5))],
            doc: Doc(
                "Mirrors the image left-right with probability `p`.", example: "horizontal_flip()")
        ) { args in
            one(try HorizontalFlip(p: Float(try args.number("p", in: 0...1))))
        },
        Builtin(
            "color_jitter",
            [
                .optional("brightness", .number(0.4)), .optional("contrast", .number(0.4)),
                .optional("saturation", .number(0.4)),
                .optional("hue", .number(0.1)), .optional("p", .number(1))
            ],
            doc: Doc(
                """
                Changes brightness, contrast, saturation and hue by random factors, in a random order (torchvision's \
                ColorJitter), with probability `p`.
                """,
                example: "color_jitter(0.4, 0.4, 0.4, 0.1, p: 0.8)")
        ) { args in
            try maybe(
                try ColorJitter(
                    brightness: Float(try args.number("brightness")), contrast: Float(try args.number("contrast")),
                    saturation: Float(try args.number("saturation")), hue: Float(try args.number("hue"))), args)
        },
        Builtin(
            "grayscale", [.optional("p", .number(0.2))],
            doc: Doc(
                "Converts a colour image to gray (kept 3 channels) with probability `p` (RandomGrayscale).",
                example: "grayscale(p: 0.2)")
        ) { args in
            one(try RandomGrayscale(p: Float(try args.number("p", in: 0...1))))
        },
        Builtin(
            "gaussian_blur",
            [
                .optional("kernel", .number(3)), .optional("sigma", .range(0.1, 2, inclusive: true)),
                .optional("p", .number(1))
            ],
            doc: Doc(
                "Blurs with an odd `kernel` size and a sigma drawn from the `sigma` range, with probability `p`.",
                example: "gaussian_blur(3, sigma: 0.1..2, p: 0.5)")
        ) { args in
            try maybe(
                try GaussianBlur(
                    kernel: try args.size("kernel", max: Limits.maxBlurKernel),
                    sigma: floats(try args.interval("sigma"))), args)
        },
        Builtin(
            "solarize", [.optional("threshold", .number(0.5)), .optional("p", .number(1))],
            doc: Doc(
                "Inverts every pixel above `threshold` (pixels in [0, 1]), with probability `p`.",
                example: "solarize(0.5, p: 0.2)")
        ) { args in
            one(try Solarize(threshold: Float(try args.number("threshold")), p: Float(try args.number("p", in: 0...1))))
        },
        Builtin(
            "gaussian_noise", [.required("sigma"), .optional("p", .number(1))],
            doc: Doc(
                "Adds Gaussian noise of standard deviation `sigma` to every pixel, with probability `p`.",
                example: "gaussian_noise(0.1, p: 0.5)")
        ) { args in
            try maybe(try GaussianNoise(Float(try args.number("sigma"))), args)
        },
        Builtin(
            "normalize", [.required("mean"), .required("std")],
            doc: Doc(
                "Subtracts `mean` and divides by `std`, per channel (lists, one number per channel).",
                example: "normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010])")
        ) { args in
            one(
                try Normalize(
                    mean: try args.numbers("mean").map(Float.init), std: try args.numbers("std").map(Float.init)))
        },
        Builtin(
            "random_apply", [.required("augmentation"), .optional("p", .number(0.5))],
            doc: Doc(
                "Applies a whole pipeline with probability `p` (RandomApply).",
                example: "random_apply(augment(color_jitter(), grayscale(p: 1)), p: 0.8)")
        ) { args in
            try maybe(try args.pipeline("augmentation").pipeline, args)
        },
        Builtin(
            "preset", [.required("name"), .optional("size")],
            doc: Doc(
                """
                A ready-made recipe: "digits" (crop 8x8 scale 0.5-1, noise 0.1 p 0.5), "v1", "v2" (MoCo v1/v2, ImageNet \
                normalisation), "cifar" (the CIFAR-10 demo's) at `size`; "v3" gives MoCo v3's two asymmetric pipelines as a list.
                """,
                example: #"let views = preset("cifar")"#)
        ) { args in
            let name = try args.string("name")
            let size = (try args.isNil("size")) ? nil : try args.size("size", max: Limits.maxImageSide)
            switch name {
            case "digits": return .pipeline(PipelineValue(steps: try Presets.digits().steps))
            case "v1": return .pipeline(PipelineValue(steps: try Presets.v1(size: size ?? 224).steps))
            case "v2": return .pipeline(PipelineValue(steps: try Presets.v2(size: size ?? 224).steps))
            case "cifar": return .pipeline(PipelineValue(steps: try Presets.cifar(size: size ?? 32).steps))
            case "v3":
                let (a, b) = try Presets.v3(size: size ?? 224)
                return .list([.pipeline(PipelineValue(steps: a.steps)), .pipeline(PipelineValue(steps: b.steps))])
            default:
                throw args.error("unknown preset \(Value.quote(name)); known: digits, v1, v2, v3, cifar")
            }
        }
    ]
}
