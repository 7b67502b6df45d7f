import CBLAS
import CDNNL
import Foundation
import MocoSupport

/// Which code paths the engine's arithmetic takes on this machine, and the portable mode that takes the same paths on
/// every x86-64 CPU with AVX2 and FMA.
///
/// The libraries choose their kernels from the CPU: oneDNN its instruction set (AVX2, AVX-512, AVX-512 with BF16...),
/// OpenBLAS its core (Haswell, SkylakeX, Cooperlake, Zen...). Results then differ in their last bits from one machine
/// to another, though each is bit-identical run to run for a fixed thread count. Records (reports, manifests,
/// checkpoints, exported weights, benchmarks) name what ran (`description`).
///
/// Portable mode pins every choice that depends on the CPU: oneDNN capped at AVX2 (`ONEDNN_MAX_CPU_ISA`), OpenBLAS's
/// Haswell kernels (`OPENBLAS_CORETYPE`), FFTW without SIMD codelets (`fftwFlags`); the engine's own kernels are built
/// for baseline x86-64 and dispatch on nothing. OpenBLAS reads its setting when the process loads it, so a process
/// enters portable mode by starting again with the settings in its environment (`restartPortable`).
public enum Arithmetic {
    /// The environment variable that marks a portable process.
    public static let modeVariable = "MOCO_ARITHMETIC"

    /// The environment of a portable process.
    public static let portableEnvironment = [
        modeVariable: "portable", "ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell"
    ]

    /// oneDNN's effective instruction set: `avx2`, `avx512_core`, `avx512_core_bf16`, ...
    public static var oneDNNISA: String { isaName(dnnl_get_effective_cpu_isa()) }

    /// The core whose kernels OpenBLAS runs (`openblas_get_corename`): `Haswell`, `SkylakeX`, `Cooperlake`, `Zen`...
    public static var blasCore: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// Whether this process asked for portable mode (`MOCO_ARITHMETIC=portable`) and the libraries took it (settled
    /// when the process starts: the libraries' choices do not change after).
    public static let isPortable: Bool = portableRequested && portableProblem == nil

    /// Whether this process was started in portable mode.
    public static var portableRequested: Bool {
        ProcessInfo.processInfo.environment[modeVariable] == "portable"
    }

    /// Why the libraries do not run their portable paths here, nil when they do.
    public static var portableProblem: String? {
        let isa = oneDNNISA
        if isa != "avx2" {
            return hasAVX2(isa) ? "oneDNN runs \(isa), not avx2 (is ONEDNN_MAX_CPU_ISA set to AVX2?)" : lacksAVX2(isa)
        }
        let core = blasCore
        if core.lowercased() != "haswell" {
            return "OpenBLAS runs its \(core) kernels, not Haswell's (a build without DYNAMIC_ARCH ignores "
                + "OPENBLAS_CORETYPE)"
        }
        return nil
    }

    /// `portable` or `native`.
    public static var mode: String { isPortable ? "portable" : "native" }

    /// The kernels that run, for records that name the thread count apart: `oneDNN avx2, OpenBLAS Haswell, portable`.
    public static var kernels: String { "oneDNN \(oneDNNISA), OpenBLAS \(blasCore), \(mode)" }

    /// What ran, for records: `oneDNN avx2, OpenBLAS Haswell, 2 threads, portable`.
    public static var description: String {
        "oneDNN \(oneDNNISA), OpenBLAS \(blasCore), \(Threads.count) thread\(Threads.count == 1 ? "" : "s"), \(mode)"
    }

    /// The same facts as `description`, keyed, for JSON records.
    public static var facts: [String: String] {
        ["onednn_isa": oneDNNISA, "openblas_core": blasCore, "threads": String(Threads.count), "mode": mode]
    }

    /// The sentence to show when a record written under `recorded` (a `description`) is continued here, nil when it
    /// was written under the same arithmetic (or names none).
    public static func continuationNote(_ recorded: String?, file: String) -> String? {
        guard let recorded, recorded != description else { return nil }
        return "\(file) was written under \(recorded); this process runs \(description): training continues, but its "
            + "bits will differ from a run made straight through here"
    }

    /// FFTW planner flags that keep its choice of codelets the same on every CPU in portable mode (no SIMD codelets,
    /// whose availability depends on the CPU); no flags natively.
    public static var fftwFlags: UInt32 { isPortable ? 1 << 17 : 0 }  // FFTW_NO_SIMD

    /// Starts this program again in portable mode, with the same arguments; returns only when that cannot be done
    /// (the reason is thrown). Call before the engine computes anything that should be portable.
    public static func restartPortable() throws -> Never {
        let environment = ProcessInfo.processInfo.environment
        // Started with every setting already: the libraries refused them, and another start would not help.
        guard portableEnvironment.contains(where: { environment[$0.key] != $0.value }) else {
            throw TensorError("portable", portableProblem ?? "this process is portable already")
        }
        let native = oneDNNISA
        guard hasAVX2(native) else { throw TensorError("portable", lacksAVX2(native)) }
        let reason = SelfRestart.exec(setting: portableEnvironment)
        throw TensorError("portable", "could not start again in portable mode: \(reason)")
    }

    /// Whether oneDNN's instruction set `isa` includes AVX2 (and FMA).
    private static func hasAVX2(_ isa: String) -> Bool {
        isa == "avx2" || isa == "avx2_vnni" || isa.hasPrefix("avx512")
    }

    /// The refusal on a CPU whose best instruction set, as oneDNN finds it, is `isa`, without AVX2.
    private static func lacksAVX2(_ isa: String) -> String {
        "this CPU lacks AVX2 (oneDNN finds \(isa)); portable mode needs AVX2 and FMA"
    }

    /// Makes this process portable when `wanted` or when its environment asks for it (`MOCO_ARITHMETIC=portable`):
    /// returns when it is (or when neither asks), restarts the program with the portable settings when it is not
    /// yet, throws when the libraries refuse them.
    public static func establish(portable wanted: Bool) throws {
        guard wanted || portableRequested else { return }
        if portableRequested && portableProblem == nil { return }
        try restartPortable()
    }

    /// oneDNN's name of `isa` (`dnnl_cpu_isa_t`), as its documentation spells it.
    static func isaName(_ isa: dnnl_cpu_isa_t) -> String {
        switch isa {
        case dnnl_cpu_isa_sse41: "sse41"
        case dnnl_cpu_isa_avx: "avx"
        case dnnl_cpu_isa_avx2: "avx2"
        case dnnl_cpu_isa_avx2_vnni: "avx2_vnni"
        case dnnl_cpu_isa_avx512_mic: "avx512_mic"
        case dnnl_cpu_isa_avx512_mic_4ops: "avx512_mic_4ops"
        case dnnl_cpu_isa_avx512_core: "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: "avx512_core_amx"
        case dnnl_cpu_isa_all: "all"
        default: "isa 0x\(String(isa.rawValue, radix: 16))"
        }
    }
}
