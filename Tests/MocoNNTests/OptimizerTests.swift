import Foundation
import MocoNN
import MocoTensor
import Testing

/// Five steps on fixed gradients match `torch.optim` (and moco-v3's LARS) to 1e-5.
@Suite("Optimizers against PyTorch")
struct OptimizerTests {
    static let names = ["p0", "p1", "p2"]

    private func run(_ prefix: String, _ make: ([Parameter]) throws -> any Optimizer) throws {
        let f = try fixture("optim.safetensors")
        let params = try Self.names.map { Parameter(try #require(f["init." + $0]?.floatTensor)) }
        let opt = try make(params)
        for step in 0..<5 {
            for (p, n) in zip(params, Self.names) { p.grad = try #require(f["grad\(step).\(n)"]?.floatTensor) }
            try opt.step()
        }
        for (p, n) in zip(params, Self.names) {
            let expected = try #require(f["\(prefix).\(n)"]?.floatTensor)
            let worst = zip(p.value.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "\(prefix) \(n): max difference \(worst)")
        }
    }

    @Test func sgdWithMomentumAndWeightDecay() throws {
        try run("sgd") { try SGD($0, lr: 0.1, momentum: 0.9, weightDecay: 5e-4) }
    }
    @Test func sgdNesterov() throws {
        try run("nesterov") { try SGD($0, lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true) }
    }
    @Test func plainSGD() throws { try run("plain_sgd") { try SGD($0, lr: 0.2) } }
    @Test func lars() throws { try run("lars") { try LARS($0, lr: 0.5, momentum: 0.9, weightDecay: 1e-2) } }
    @Test func adamW() throws { try run("adamw") { try AdamW($0, lr: 1e-2, weightDecay: 0.05) } }

    /// Saving the state after 2 steps and restoring it into a fresh optimizer gives the
    /// same parameters after 3 more as 5 steps straight.
    @Test func stateRoundTrip() throws {
        let f = try fixture("optim.safetensors")
        func grads(_ step: Int) throws -> [Tensor] {
            try Self.names.map { try #require(f["grad\(step).\($0)"]?.floatTensor) }
        }
        for make in [
            { try SGD($0, lr: 0.1, momentum: 0.9) as any Optimizer }, { try AdamW($0) as any Optimizer },
            { try LARS($0, lr: 0.1) as any Optimizer }
        ] {
            let a = try Self.names.map { Parameter(try #require(f["init." + $0]?.floatTensor)) }
            let oa = try make(a)
            for s in 0..<5 {
                for (p, g) in zip(a, try grads(s)) { p.grad = g }
                try oa.step()
            }
            let b = try Self.names.map { Parameter(try #require(f["init." + $0]?.floatTensor)) }
            var ob = try make(b)
            for s in 0..<5 {
                if s == 2 {
                    let saved = ob.state()
                    ob = try make(b)
                    try ob.load(state: saved)
                }
                for (p, g) in zip(b, try grads(s)) { p.grad = g }
                try ob.step()
            }
            #expect(zip(a, b).allSatisfy { $0.value.scalars == $1.value.scalars })
        }
    }

    @Test func refusesBadSettingsAndState() throws {
        let p = [Parameter(try Tensor.zeros([2]))]
        #expect(throws: ModelError.self) { try SGD(p, lr: -1) }
        #expect(throws: ModelError("SGD", "Nesterov momentum needs a positive momentum")) {
            try SGD(p, lr: 1, nesterov: true)
        }
        #expect(throws: ModelError.self) { try AdamW(p, betas: (1, 0.9)) }
        let o = try SGD(p, lr: 0.1, momentum: 0.9)
        #expect(throws: ModelError("SGD", "state has an unknown entry 3.momentum_buffer")) {
            try o.load(state: ["3.momentum_buffer": Tensor.zeros([2]), "step": Tensor(1)])
        }
        #expect(throws: ModelError("SGD", "state has no valid step count")) { try o.load(state: [:]) }
    }
}

@Suite("Schedules")
struct ScheduleTests {
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

    @Test func constantAndStep() {
        #expect(Schedule.constant(0.3).value(atEpoch: 17.5) == 0.3)
        let s = Schedule.step(1, milestones: [30, 10], gamma: 0.1)
        #expect(close(s.value(atEpoch: 0), 1) && close(s.value(atEpoch: 9.99), 1))
        #expect(
            close(s.value(atEpoch: 10), 0.1) && close(s.value(atEpoch: 29.5), 0.1) && close(s.value(atEpoch: 30), 0.01))
    }

    @Test func halfCycleCosine() {
        let s = Schedule.cosine(0.06, final: 0, epochs: 100)
        #expect(close(s.value(atEpoch: 0), 0.06))
        #expect(close(s.value(atEpoch: 50), 0.03))
        #expect(close(s.value(atEpoch: 100), 0) && close(s.value(atEpoch: 150), 0))
        #expect(close(s.value(atEpoch: 25), 0.06 * 0.5 * (1 + cos(Double.pi / 4))))
        // Per step with a fractional epoch: step 30 of 40 per epoch is epoch 0.75.
        #expect(close(s.value(step: 30, stepsPerEpoch: 40), 0.06 * 0.5 * (1 + cos(Double.pi * 0.0075))))
    }

    @Test func warmupThenCosine() {
        let s = Schedule.warmupCosine(1.5, warmupEpochs: 10, epochs: 110)
        #expect(close(s.value(atEpoch: 0), 0))
        #expect(close(s.value(atEpoch: 2.5), 0.375))
        #expect(close(s.value(atEpoch: 10), 1.5))
        #expect(close(s.value(atEpoch: 60), 0.75))
        #expect(close(s.value(atEpoch: 110), 0))
    }

    @Test func mocoV3MomentumRule() {
        let s = Schedule.mocoV3Momentum(0.99, epochs: 300)
        #expect(close(s.value(atEpoch: 0), 0.99))
        #expect(close(s.value(atEpoch: 150), 0.995))
        #expect(close(s.value(atEpoch: 300), 1))
        #expect(close(s.value(atEpoch: 75.5), 1 - 0.01 * (cos(Double.pi * 75.5 / 300) + 1) / 2))
    }

    @Test func userFunction() {
        let s = Schedule { e in 1 - 0.01 * e }
        #expect(close(s.value(atEpoch: 2.5), 0.975) && s.name == "custom")
    }
}
