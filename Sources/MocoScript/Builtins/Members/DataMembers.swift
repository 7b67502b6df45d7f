import Foundation
import MocoData

/// Members of datasets: a split `dataset` (`data.train`) and one set of `images`.
enum DataMembers {
    private static let data = MemberBuilder<DataValue>(unwrap: \.asData)

    /// Members both kinds have.
    private static let common: [Member] = [
        data.property("size", "The number of images.") { d, _ in .number(Double(d.count)) },
        data.property("classes", "The class names, in label order.") { d, _ in .list(d.classes.map { .string($0) }) },
        data.property("shape", "The shape of one image, [C, H, W].") { d, _ in
            .list(d.imageShape.map { .number(Double($0)) })
        },
        data.property("name", "The name it was loaded or derived under.") { d, _ in .string(d.name) }
    ]

    static let dataset = MemberTable(
        type: "dataset",
        properties: [
            data.property("train", "The training part.") { d, _ in d.train.map { .data($0) } },
            data.property("test", "The test part.") { d, _ in d.test.map { .data($0) } }
        ] + common, methods: [subset(on: "dataset")])

    static let images = MemberTable(
        type: "images",
        properties: common + [
            data.property("labels", "The label of each image, as numbers.") { d, _ in
                .list(d.labeled.labels.map { .number(Double($0)) })
            },
            data.property("images", "The pixels, a tensor [N, C, H, W] in [0, 1].") { d, _ in .tensor(d.labeled.images)
            },
            data.property("mean", "The per-channel mean of the pixels (for `normalize`).") { d, _ in
                .list(try d.labeled.channelStatistics().mean.map { .number(Double($0)) })
            },
            data.property("std", "The per-channel standard deviation of the pixels (for `normalize`).") { d, _ in
                .list(try d.labeled.channelStatistics().std.map { .number(Double($0)) })
            }
        ], methods: [subset(on: "images"), split],
        unavailable: { value, name in
            guard name == "train" || name == "test", case .data(let d) = value else { return nil }
            return ("\(d.name) has no train/test split", ["split it: \(d.name).split(test: 0.2)"])
        })

    static func subset(on type: String) -> Builtin {
        Builtin(
            "subset", [.required("n")], on: type,
            doc: Doc(
                "A seeded random subset of `n` images; on a split dataset, of its train part (the test part is kept).",
                example: "let small = data.subset(500)")
        ) { args in
            guard case .data(let d)? = args.receiver else { throw args.error("needs a dataset") }
            let n = try args.int("n", min: 0)
            var rng = args.interpreter.nextGenerator("subset")
            if let train = d.train, let test = d.test {
                let kept = try train.labeled.subsetPositions(n, seed: rng.next())
                return .data(
                    DataValue(
                        name: "\(d.name)[\(n)]", train: try train.labeled.subset(kept), test: test.labeled,
                        files: d.files, trainOrigin: train.origin?.selecting(kept), testOrigin: test.origin))
            }
            let kept = try d.labeled.subsetPositions(n, seed: rng.next())
            return .data(
                DataValue(
                    name: "\(d.name)[\(n)]", images: try d.labeled.subset(kept), files: d.files,
                    origin: d.origin?.selecting(kept)))
        }
    }

    static let split = Builtin(
        "split", [.required("test")], on: "images",
        doc: Doc(
            "A seeded random split into train and test parts; `test` is a fraction (< 1) or a number of images.",
            example: #"let data = dataset("folder", path: "shapes").split(test: 0.2)"#)
    ) { args in
        guard case .data(let d)? = args.receiver else { throw args.error("needs images") }
        let t = try args.number("test")
        guard t >= 0, t.isFinite, t < 1 || Value.whole(t) != nil, t <= Double(d.count) else {
            throw args.error("'test' must be a fraction or a count up to \(d.count), got \(Value.format(t))")
        }
        let count = t < 1 ? Int((t * Double(d.count)).rounded()) : Int(t)
        guard count <= d.count else {
            throw args.error("'test' must be a fraction or a count up to \(d.count), got \(Value.format(t))")
        }
        var rng = args.interpreter.nextGenerator("split")
        let (train, test) = try d.labeled.splitPositions(testCount: count, seed: rng.next())
        return .data(
            DataValue(
                name: d.name, train: try d.labeled.subset(train), test: try d.labeled.subset(test), files: d.files,
                trainOrigin: d.origin?.selecting(train), testOrigin: d.origin?.selecting(test)))
    }
}
