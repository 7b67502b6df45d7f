import Foundation

/// Optimizers, and schedules: functions of training progress t in [0, 1].
enum ScheduleBuiltins {
    static func cosine(_ start: Double, _ final: Double) -> ScheduleValue {
        ScheduleValue(name: "cosine(\(Value.format(start)), \(Value.format(final)))") { t in
            final + (start - final) * 0.5 * (1 + Foundation.cos(Double.pi * min(max(t, 0), 1)))
        }
    }

    static let all: [Builtin] = [
        Builtin(
            "sgd",
            [
                .optional("lr", .number(0.03)), .optional("momentum", .number(0.9)),
                .optional("weight_decay", .number(1e-4)),
                .optional("nesterov", .bool(false))
            ],
            doc: Doc(
                "SGD with momentum and weight decay (PyTorch's). `lr` is a number, a schedule or a function of progress t.",
                example: "sgd(lr: cosine(0.06, 0), momentum: 0.9, weight_decay: 5e-4)")
        ) { args in
            .optimizer(
                OptimizerSpec(
                    kind: .sgd, lr: try args.schedule("lr"), momentum: try args.number("momentum"),
                    weightDecay: try args.number("weight_decay"), nesterov: try args.bool("nesterov"),
                    betas: (0.9, 0.999), trust: 0))
        },
        Builtin(
            "lars",
            [
                .optional("lr", .number(0.3)), .optional("momentum", .number(0.9)),
                .optional("weight_decay", .number(1e-6)),
                .optional("trust", .number(0.001))
            ],
            doc: Doc(
                """
                LARS as moco-v3 uses it: SGD whose step per tensor is scaled by `trust` x |w| / |g| (biases and norms \
                excluded).
                """,
                example: "lars(lr: warmup_cosine(0.3, 0, warmup: 0.1), weight_decay: 1e-6)")
        ) { args in
            .optimizer(
                OptimizerSpec(
                    kind: .lars, lr: try args.schedule("lr"), momentum: try args.number("momentum"),
                    weightDecay: try args.number("weight_decay"), nesterov: false, betas: (0.9, 0.999),
                    trust: try args.number("trust")))
        },
        Builtin(
            "adamw",
            [
                .optional("lr", .number(1e-3)), .optional("betas", .list([.number(0.9), .number(0.999)])),
                .optional("weight_decay", .number(0.1))
            ],
            doc: Doc(
                "AdamW (decoupled weight decay, PyTorch's).",
                example: "adamw(lr: warmup_cosine(1.5e-4, 0, warmup: 0.1), weight_decay: 0.1)")
        ) { args in
            let betas = try args.numbers("betas")
            guard betas.count == 2 else { throw args.error("'betas' must be two numbers") }
            return .optimizer(
                OptimizerSpec(
                    kind: .adamw, lr: try args.schedule("lr"), momentum: 0,
                    weightDecay: try args.number("weight_decay"),
                    nesterov: false, betas: (betas[0], betas[1]), trust: 0))
        },
        Builtin(
            "constant", [.required("value")],
            doc: Doc(
                "A schedule that is always `value`.", example: "constant(0.99)")
        ) { args in
            .schedule(.constant(try args.number("value")))
        },
        Builtin(
            "cosine", [.required("start"), .optional("final", .number(0))],
            doc: Doc(
                """
                Half-cycle cosine from `start` at t = 0 to `final` at t = 1. As a momentum, cosine(0.99, 1) is moco-v3's \
                rule.
                """,
                example: "cosine(0.06, 0)")
        ) { args in
            .schedule(cosine(try args.number("start"), try args.number("final")))
        },
        Builtin(
            "warmup_cosine", [.required("start"), .optional("final", .number(0)), .optional("warmup", .number(0.1))],
            doc: Doc(
                """
                Linear warm-up from 0 to `start` over the first `warmup` fraction of training, then half-cycle cosine to \
                `final`.
                """,
                example: "warmup_cosine(0.3, 0, warmup: 0.1)")
        ) { args in
            let (start, final, warmup) = (
                try args.number("start"), try args.number("final"), try args.number("warmup", in: 0...1)
            )
            return .schedule(
                ScheduleValue(
                    name:
                        "warmup_cosine(\(Value.format(start)), \(Value.format(final)), warmup: \(Value.format(warmup)))"
                ) { t in
                    if t < warmup { return start * t / warmup }
                    let u = min(max((t - warmup) / max(1 - warmup, 1e-12), 0), 1)
                    return final + (start - final) * 0.5 * (1 + Foundation.cos(Double.pi * u))
                })
        },
        Builtin(
            "linear", [.required("start"), .required("final")],
            doc: Doc(
                "Straight line from `start` at t = 0 to `final` at t = 1.", example: "linear(0.9, 0.999)")
        ) { args in
            let (start, final) = (try args.number("start"), try args.number("final"))
            return .schedule(
                ScheduleValue(name: "linear(\(Value.format(start)), \(Value.format(final)))") { t in
                    start + (final - start) * min(max(t, 0), 1)
                })
        },
        Builtin(
            "step_schedule",
            [
                .required("start"), .optional("at", .list([.number(0.6), .number(0.8)])),
                .optional("gamma", .number(0.1))
            ],
            doc: Doc(
                """
                `start` multiplied by `gamma` at each progress milestone in `at` (MoCo v1's lr drops at 120 and 160 of 200 \
                epochs).
                """,
                example: "step_schedule(0.03, at: [0.6, 0.8], gamma: 0.1)")
        ) { args in
            let (start, at, gamma) = (
                try args.number("start"), try args.numbers("at").sorted(), try args.number("gamma")
            )
            return .schedule(
                ScheduleValue(
                    name:
                        "step_schedule(\(Value.format(start)), at: \(at.map(Value.format)), gamma: \(Value.format(gamma)))"
                ) { t in
                    start * Foundation.pow(gamma, Double(at.filter { t >= $0 }.count))
                })
        }
    ]
}
