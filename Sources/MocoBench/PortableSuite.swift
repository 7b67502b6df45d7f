import Foundation
import MocoTensor

/// What portable arithmetic costs: our MoCo step of W1 and W3 natively and in portable mode (oneDNN capped at AVX2,
/// OpenBLAS's Haswell kernels), each in a child process of its own, alternated for `rounds` rounds in one run; the
/// medians, and portable over native (1 where the CPU has nothing beyond AVX2).
struct PortableSuite {
    var ids: [String]
    /// Timed steps per side; nil: each workload's default.
    var steps: Int?
    var rounds: Int
    var batch: Int
    var log: (String) -> Void

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for id in ids {
            guard let w = MocoSuite.workloads.first(where: { $0.id == id }) else {
                throw BenchFailure("no workload \(id) (W1, W2, W3)")
            }
            var native: [Double] = []
            var portable: [Double] = []
            for round in 1...rounds {
                native.append(try side(w, environment: [:]))
                portable.append(try side(w, environment: Arithmetic.portableEnvironment))
                log(
                    String(
                        format: "  %@ round %d: native %.2f ms, portable %.2f ms", id, round,
                        native.last! * 1e3, portable.last! * 1e3))
            }
            let row = BenchRow(
                workload: "\(id) MoCo v2 step, portable", unit: "img/s", ours: Double(batch) / median(portable),
                reference: Double(batch) / median(native),
                referenceName: "native: oneDNN \(Arithmetic.oneDNNISA), OpenBLAS \(Arithmetic.blasCore)",
                higherIsBetter: true)
            log(row.line)
            rows.append(row)
        }
        return rows
    }

    /// The median seconds of our step in a child with `environment` added to this one.
    private func side(_ w: MocoSuite.Workload, environment: [String: String]) throws -> Double {
        let child = try spawnSelf(
            ["moco-step", w.id, String(steps ?? w.defaultSteps), String(batch)], environment: environment)
        guard child.status == 0, let seconds = child.number else {
            throw BenchFailure("moco-step \(w.id) failed (exit \(child.status))")
        }
        return seconds
    }
}
