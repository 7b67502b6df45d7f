import Foundation
import MocoTensor
import MocoTestSupport
import Testing

/// One PyTorch golden case from `Fixtures/engine.json` (made by `scripts/make-fixtures`).
struct GoldenCase: Sendable, CustomStringConvertible {
    let name: String
    let op: String
    let args: [String: JSONValue]
    let tensors: [String: FixtureTensor]
    var description: String { name }

    func tensor(_ key: String) throws -> Tensor {
        let t = try #require(tensors[key], "fixture \(name) has no tensor \(key)")
        return try Tensor(shape: t.shape, scalars: t.data)
    }

    func int(_ key: String) throws -> Int { try #require(args[key]?.int, "fixture \(name) has no argument \(key)") }
    func float(_ key: String) throws -> Float {
        Float(try #require(args[key]?.double, "fixture \(name) has no argument \(key)"))
    }
}

struct FixtureTensor: Decodable, Sendable {
    let shape: [Int]
    let data: [Float]
}

/// The JSON values a fixture's arguments use.
enum JSONValue: Decodable, Sendable {
    case number(Double)
    case list([JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else {
            self = .list(try c.decode([JSONValue].self))
        }
    }

    var double: Double? { if case .number(let d) = self { return d } else { return nil } }
    var int: Int? { double.map { Int($0) } }
    var ints: [Int]? { if case .list(let l) = self { return l.compactMap(\.int) } else { return nil } }
}

enum Golden {
    private struct File: Decodable {
        struct Case: Decodable {
            let op: String
            let args: [String: JSONValue]
            let tensors: [String: FixtureTensor]
        }
        let cases: [String: Case]
    }

    /// All cases, sorted by name.
    static let cases: [GoldenCase] = {
        guard let url = Bundle.module.url(forResource: "engine", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.cases.map {
            GoldenCase(name: $0.key, op: $0.value.op, args: $0.value.args, tensors: $0.value.tensors)
        }
        .sorted { $0.name < $1.name }
    }()
}

/// Forward outputs within 1e-4 and gradients within 1e-3 of PyTorch, as the largest
/// absolute difference relative to the largest magnitude of the PyTorch tensor.
@Suite("PyTorch golden values")
struct GoldenTests {
    static let forwardTolerance: Float = 1e-4
    static let gradientTolerance: Float = 1e-3

    @Test func fixturesLoaded() {
        #expect(Golden.cases.count >= 28)
    }

    @Test(arguments: Golden.cases)
    func matchesPyTorch(_ c: GoldenCase) throws {
        let inputKeys = ["x", "w", "b", "a"].filter { c.tensors[$0] != nil && c.tensors["g" + $0] != nil }
        let leaves = try Dictionary(uniqueKeysWithValues: inputKeys.map { ($0, try c.tensor($0).requiringGrad()) })
        func input(_ k: String) throws -> Tensor { try leaves[k] ?? c.tensor(k) }
        func optional(_ k: String) throws -> Tensor? { c.tensors[k] == nil ? nil : try input(k) }

        let y: Tensor
        switch c.op {
        case "conv2d":
            y = try Tensor.conv2d(
                input("x"), weight: input("w"), bias: optional("b"), stride: c.int("stride"),
                padding: c.int("padding"), dilation: c.int("dilation"), groups: c.int("groups"))
        case "batch_norm_train":
            var stats = BatchNormStatistics(mean: try c.tensor("running_mean"), variance: try c.tensor("running_var"))
            y = try Tensor.batchNorm(
                input("x"), weight: input("w"), bias: input("b"), running: &stats,
                momentum: c.float("momentum"), eps: c.float("eps"))
            expectClose(stats.mean, try c.tensor("new_running_mean"), tolerance: Self.forwardTolerance, relative: true)
            expectClose(
                stats.variance, try c.tensor("new_running_var"), tolerance: Self.forwardTolerance, relative: true)
        case "batch_norm_eval":
            let stats = BatchNormStatistics(mean: try c.tensor("running_mean"), variance: try c.tensor("running_var"))
            y = try Tensor.batchNorm(
                input("x"), weight: input("w"), bias: input("b"), running: stats, eps: c.float("eps"))
        case "max_pool2d":
            y = try Tensor.maxPool2d(
                input("x"), kernel: c.int("kernel"), stride: c.int("stride"), padding: c.int("padding"))
        case "avg_pool2d":
            y = try Tensor.avgPool2d(
                input("x"), kernel: c.int("kernel"), stride: c.int("stride"), padding: c.int("padding"))
        case "global_avg_pool2d":
            y = try Tensor.globalAvgPool2d(input("x"))
        case "linear":
            y = try Tensor.linear(input("x"), weight: input("w"), bias: optional("b"))
        case "matmul":
            y = try input("a").matmul(input("b"))
        case "log_softmax":
            y = try input("x").logSoftmax(axis: c.int("axis"))
        case "softmax":
            y = try input("x").softmax(axis: c.int("axis"))
        case "cross_entropy":
            y = try Tensor.crossEntropy(input("x"), labels: try #require(c.args["labels"]?.ints))
        case "log_softmax_nll":
            let labels = try #require(c.args["labels"]?.ints)
            let picked = try input("x").logSoftmax(axis: 1).gather(
                axis: 1, index: Tensor(shape: [labels.count, 1], scalars: labels.map(Float.init)))
            y = -picked.mean()
        case "normalize":
            y = try input("x").l2Normalized(axis: c.int("axis"))
        default:
            Issue.record("unknown fixture op \(c.op)")
            return
        }
        let expected = try c.tensor("y")
        #expect(y.shape == expected.shape)
        expectClose(y, expected, tolerance: Self.forwardTolerance, relative: true, "forward of \(c.name)")
        try y.backward(c.tensor("gy"))
        for (k, leaf) in leaves {
            let g = try #require(leaf.grad, "no gradient for \(k) in \(c.name)")
            expectClose(
                g, try c.tensor("g" + k), tolerance: Self.gradientTolerance, relative: true,
                "gradient of \(k) in \(c.name)")
        }
    }
}
