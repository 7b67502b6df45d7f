import MocoTensor

/// Members of series, tensors, t-SNE embeddings, schedules and augmentations.
enum ValueMembers {
    private static let series = MemberBuilder<Series>(unwrap: \.asSeries)
    private static let tensor = MemberBuilder<Tensor>(unwrap: \.asTensor)
    private static let embedding = MemberBuilder<EmbeddingValue>(unwrap: \.asEmbedding)
    private static let schedule = MemberBuilder<ScheduleValue>(unwrap: \.asSchedule)
    private static let pipeline = MemberBuilder<PipelineValue>(unwrap: \.asPipeline)

    private static func list(_ v: [Double]) -> Value { .list(v.map { .number($0) }) }

    static let augmentations = MemberTable(
        type: "augmentation",
        properties: [
            pipeline.property("steps", "Each step of the pipeline, described as a string.") { p, _ in
                .list(p.steps.map { .string($0.description) })
            }
        ], methods: [])

    static let schedules = MemberTable(
        type: "schedule",
        properties: [
            schedule.property("name", "How it was made, e.g. `cosine(0.99, 1)`.") { s, _ in .string(s.name) }
        ], methods: [values])

    /// A statistic of a series that needs at least one value.
    private static func nonEmpty(_ name: String, _ doc: String, _ f: @escaping @Sendable ([Double]) -> Double) -> Member
    {
        series.property(name, doc) { s, a in
            guard !s.y.isEmpty else { throw a.error("series \(s.name) is empty") }
            return .number(f(s.y))
        }
    }

    static let serieses = MemberTable(
        type: "series",
        properties: [
            series.property("name", "What it measures.") { s, _ in .string(s.name) },
            series.property("x", "The x values (epochs, for a run's series).") { s, _ in list(s.x) },
            series.property("values", "The y values.") { s, _ in list(s.y) },
            nonEmpty("first", "The first value.") { $0.first! },
            nonEmpty("last", "The last value.") { $0.last! },
            nonEmpty("min", "The smallest value.") { $0.min()! },
            nonEmpty("max", "The largest value.") { $0.max()! },
            nonEmpty("mean", "The mean of the values.") { $0.reduce(0, +) / Double($0.count) }
        ], methods: [ema])

    /// A statistic of a tensor's elements that needs at least one element.
    private static func statistic(
        _ name: String, _ doc: String,
        _ pick: @escaping @Sendable ((mean: Double, std: Double, min: Double, max: Double)) -> Double
    ) -> Member {
        tensor.property(name, doc) { t, a in
            guard t.count > 0 else { throw a.error("the tensor is empty") }
            return .number(pick(Value.statistics(t.scalars.map(Double.init))))
        }
    }

    static let tensors = MemberTable(
        type: "tensor",
        properties: [
            tensor.property("shape", "The size of each dimension.") { t, _ in list(t.shape.map(Double.init)) },
            tensor.property("rank", "The number of dimensions.") { t, _ in .number(Double(t.rank)) },
            tensor.property("count", "The number of elements.") { t, _ in .number(Double(t.count)) },
            statistic("mean", "The mean of the elements.") { $0.mean },
            statistic("std", "The standard deviation of the elements.") { $0.std },
            statistic("min", "The smallest element.") { $0.min },
            statistic("max", "The largest element.") { $0.max },
            tensor.property("sum", "The sum of the elements.") { t, _ in
                .number(t.scalars.reduce(0.0) { $0 + Double($1) })
            },
            tensor.property("norm", "The Euclidean norm of all elements.") { t, _ in
                .number(t.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            },
            tensor.property("row_norms", "The Euclidean norm of each row of a tensor [N, D], a tensor [N].") { t, a in
                guard t.rank == 2 else { throw a.error("row_norms needs a tensor [N, D], got shape \(t.shape)") }
                let d = t.shape[1]
                let x = t.scalars
                let norms = (0..<t.shape[0]).map { r in
                    Float(x[(r * d)..<((r + 1) * d)].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
                }
                return .tensor(try Tensor(shape: [norms.count], scalars: norms))
            },
            tensor.property("values", "The elements, flattened in row-major order.") { t, _ in
                list(t.scalars.map(Double.init))
            }
        ], methods: [])

    static let embeddings = MemberTable(
        type: "embedding",
        properties: [
            embedding.property("points", "The 2-D points, a tensor [N, 2].") { e, _ in .tensor(e.tensor) },
            embedding.property("kl", "The final KL divergence of the embedding.") { e, _ in .number(e.divergence) },
            embedding.property("labels", "The class of each point, or nil.") { e, _ in
                e.labels.map { .list($0.map { .number(Double($0)) }) } ?? .nil
            },
            embedding.property("classes", "The class names.") { e, _ in .list(e.classes.map { .string($0) }) },
            embedding.property("size", "The number of points.") { e, _ in .number(Double(e.count)) }
        ], methods: [])

    static let values = Builtin(
        "values", [.optional("steps", .number(100))], on: "schedule",
        doc: Doc(
            "The schedule sampled at `steps` + 1 evenly spaced points of progress t from 0 to 1, as a series.",
            example: "cosine(0.99, 1).values(steps: 10).last   # 1")
    ) { args in
        guard case .schedule(let s)? = args.receiver else { throw args.error("needs a schedule") }
        let n = try args.size("steps", max: Limits.maxPlotSteps)
        let t = (0...n).map { Double($0) / Double(n) }
        return .series(Series(name: s.name, xLabel: "t", x: t, y: try t.map(s.function)))
    }

    static let ema = Builtin(
        "ema", [.optional("alpha", .number(0.9))], on: "series",
        doc: Doc(
            """
            The series smoothed by an exponential moving average, bias-corrected as TensorBoard does (`alpha` is the \
            weight of the past).
            """,
            example: "run.loss.ema(0.95)")
    ) { args in
        guard case .series(let s)? = args.receiver else { throw args.error("needs a series") }
        let alpha = try args.number("alpha", in: 0...0.9999)
        var avg = 0.0
        var weight = 0.0
        let y = s.y.map { v -> Double in
            avg = alpha * avg + (1 - alpha) * v
            weight = alpha * weight + (1 - alpha)
            return avg / weight
        }
        return .series(Series(name: "\(s.name) (ema \(Value.format(alpha)))", xLabel: s.xLabel, x: s.x, y: y))
    }
}
