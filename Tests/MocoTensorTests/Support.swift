import Foundation
import MocoTensor
import Testing

/// Deterministic random tensors for tests.
struct TestData {
    var rng: RandomGenerator

    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }

    /// Normal values.
    mutating func normal(_ shape: [Int], scale: Float = 1) -> Tensor {
        try! Tensor.randn(shape, std: scale, using: &rng)
    }

    /// Values in `[low, high)`.
    mutating func uniform(_ shape: [Int], _ low: Float, _ high: Float) -> Tensor {
        try! Tensor.uniform(shape, low: low, high: high, using: &rng)
    }

    /// Normal values pushed at least `gap` away from zero (for ops with a kink at 0).
    mutating func awayFromZero(_ shape: [Int], gap: Float = 0.1) -> Tensor {
        let t = normal(shape)
        return try! Tensor(shape: shape, scalars: t.scalars.map { $0 >= 0 ? $0 + gap : $0 - gap })
    }

    /// Distinct values spaced `gap` apart in random order (for max-like ops).
    mutating func distinct(_ shape: [Int], gap: Float = 0.05) -> Tensor {
        let n = shape.reduce(1, *)
        let p = rng.permutation(n)
        return try! Tensor(shape: shape, scalars: p.map { (Float($0) - Float(n) / 2) * gap })
    }
}

/// Finite-difference gradient check of `f` at `inputs`.
///
/// The scalar checked is `sum(f(inputs) * r)` for a fixed random `r`, evaluated in
/// double precision from the float outputs. For each input, up to `samples`
/// elements are perturbed by `±eps`; the central difference must match the
/// autograd gradient within `atol + rtol * |numeric|`.
func gradientCheck(
    _ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 1e-2, atol: Float = 2e-3, samples: Int = 24,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) throws -> Tensor
) throws {
    var data = TestData(seed: 99)
    let leaves = inputs.map { $0.requiringGrad() }
    let y = try f(leaves)
    let r = data.normal(y.shape)
    try (y * r).sum().backward()
    func objective(_ xs: [Tensor]) throws -> Double {
        let out = try withoutGrad { try f(xs) }
        return zip(out.scalars, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    for (i, leaf) in leaves.enumerated() {
        let grad = try #require(leaf.grad, "input \(i) got no gradient", sourceLocation: sourceLocation)
        #expect(grad.shape == leaf.shape, "gradient shape of input \(i)", sourceLocation: sourceLocation)
        let n = leaf.count
        let picks = n <= samples ? Array(0..<n) : (0..<samples).map { _ in data.rng.nextInt(below: n) }
        for j in picks {
            var plus = inputs
            var minus = inputs
            plus[i].withUnsafeMutableBufferPointer { $0[j] += eps }
            minus[i].withUnsafeMutableBufferPointer { $0[j] -= eps }
            let numeric = Float((try objective(plus) - objective(minus)) / Double(2 * eps))
            let analytic = grad.scalars[j]
            #expect(
                abs(numeric - analytic) <= atol + rtol * abs(numeric),
                "input \(i) element \(j): numeric \(numeric) vs autograd \(analytic)", sourceLocation: sourceLocation)
        }
    }
}

/// Expects `body` to throw a `TensorError` whose description is exactly `message`.
func expectError(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) {
    do {
        _ = try body()
        Issue.record("expected error: \(message)", sourceLocation: sourceLocation)
    } catch let e as TensorError {
        #expect(e.description == message, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    }
}
