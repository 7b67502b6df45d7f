import Foundation
import MocoSupport
import MocoTensor

/// The environment both sides of a benchmark run in, and what each side computes with.
///
/// Some variables change which kernels a library chooses: this workplace's shell sets `OPENBLAS_CORETYPE` and
/// `OPENBLAS_L2_SIZE`, a user's does not, and the PyTorch reference (`torchref`) clears them for itself. The benchmark
/// clears them for itself too, by starting again without them, so that ours and the reference (its children inherit
/// the environment) run alike, and says so.
enum BenchEnvironment {
    /// The variables cleared for both sides.
    static let cleared = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]
    /// Set by the benchmark for itself and its children: what was cleared (empty: nothing was set).
    private static let marker = "MOCO_BENCH_CLEARED"

    /// Starts the benchmark again without the `cleared` variables when any is set (OpenBLAS read them when the process
    /// loaded it); returns when none is set, and in the benchmark's own children (which inherit the settled
    /// environment, and may be given other settings on purpose: `PortableSuite`).
    static func settle() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[marker] == nil else { return }
        let present = cleared.filter { environment[$0] != nil }
        setenv(marker, present.map { "\($0)=\(environment[$0]!)" }.joined(separator: " "), 1)
        guard !present.isEmpty else { return }
        let reason = SelfRestart.exec(unsetting: present)
        FileHandle.standardError.write(
            Data("moco-bench: cannot start again without \(present.joined(separator: ", ")): \(reason)\n".utf8))
        exit(71)
    }

    /// What the environment held of the variables that choose kernels, for the report's header.
    static var note: String {
        if let was = ProcessInfo.processInfo.environment[marker], !was.isEmpty {
            return "\(was) cleared for ours and the reference alike"
        }
        let capped = ["ONEDNN_MAX_CPU_ISA", Arithmetic.modeVariable].compactMap { name in
            ProcessInfo.processInfo.environment[name].map { "\(name)=\($0)" }
        }
        return capped.isEmpty
            ? "no variable that chooses kernels is set (\(cleared.joined(separator: ", ")) are cleared when set)"
            : "\(capped.joined(separator: " ")) set for ours and the reference alike"
    }

    /// What the PyTorch side computes with (`scripts/reference/arithmetic.py` run by `python`): its version, CPU
    /// capability, oneDNN's instruction set and BLAS, in one line; nil without a python.
    static func reference(python: String?) -> String? {
        guard let python else { return nil }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/reference/arithmetic.py").standardizedFileURL.path
        guard let child = try? spawn(python, [script, "--threads", String(Threads.count)]), child.status == 0,
            let line = String(decoding: child.output, as: UTF8.self).split(separator: "\n").last,
            let facts = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return "PyTorch's arithmetic could not be read (\(python))" }
        func fact(_ key: String) -> String { facts[key].map { "\($0)" } ?? "?" }
        return "PyTorch \(fact("torch")), CPU capability \(fact("cpu_capability")), oneDNN \(fact("onednn_isa")), "
            + "BLAS \(fact("blas")), \(fact("threads")) threads"
    }
}
