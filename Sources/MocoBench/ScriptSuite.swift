import Foundation
import Moco
import MocoData
import MocoScript
import MocoTensor

/// The interpreter's overhead: a loop of 1,000,000 arithmetic iterations against the 1 s
/// budget of the language issue, and the W1 digits training run driven from a `.moco` script
/// against the same run driven from Swift (`Recipes.digitsW1`), timed alternately.
struct ScriptSuite {
    let epochs: Int
    let reps: Int
    let log: (String) -> Void

    static let loop = """
        var s = 0
        for i in 0..<1_000_000 { s = s + i * 2 % 7 - 1 }
        """

    static let whileLoop = """
        var s = 0
        var i = 0
        while i < 1_000_000 { s += i * 0.5; i += 1 }
        """

    /// W1 of shared/bench/README.md, as `Recipes.digitsW1` builds it.
    func trainingScript() -> String {
        """
        let model = moco(version: 2, encoder: convnet([32, 64, 128]), dim: 64, queue: 1024, momentum: 0.99,
                         temperature: 0.2, splits: 8)
        let run = train(model, data.train, views: preset("digits"), epochs: \(epochs), batch: 256,
                        optimizer: sgd(lr: cosine(0.06, 0), momentum: 0.9, weight_decay: 5e-4),
                        lr_update: "epoch", quiet: true)
        """
    }

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for (name, text) in [("script-loop-1M-for", Self.loop), ("script-loop-1M-while", Self.whileLoop)] {
            let interpreter = Interpreter()
            let t = try medianSeconds(reps: reps) { try interpreter.run(text, name: name) }
            rows.append(
                BenchRow(
                    workload: name, unit: "s", ours: t, reference: 1, referenceName: "budget of 1 s",
                    higherIsBetter: false))
            log(rows.last!.line)
        }

        let (train, _) = try Digits.load()
        let interpreter = Interpreter()
        try interpreter.run("let data = dataset(\"digits\")", name: "setup")
        let script = trainingScript()
        let (fromScript, fromSwift) = try interleavedMedians(
            reps: reps,
            {
                try interpreter.run(script, name: "w1.moco")
            },
            {
                let trainer = try Recipes.digitsW1(train: train, seed: 0, epochs: epochs)
                try trainer.train(epochs: epochs)
            })
        rows.append(
            BenchRow(
                workload: "script-train-W1-\(epochs)ep", unit: "s", ours: fromScript, reference: fromSwift,
                referenceName: "the same run driven from Swift", higherIsBetter: false))
        log(rows.last!.line)
        return rows
    }
}
