import Foundation
import MocoTensor
import Testing

@Suite("The arithmetic the libraries chose")
struct PortableArithmeticTests {
    @Test("oneDNN's instruction set and OpenBLAS's core are named, and follow the environment's caps")
    func namesAndCaps() {
        let isa = Arithmetic.oneDNNISA
        let known = ["sse41", "avx", "avx2", "avx2_vnni", "avx512_core", "avx512_core_vnni", "avx512_core_bf16"]
        #expect(known.contains(isa) || isa.hasPrefix("avx512"), "unnamed instruction set \(isa)")
        #expect(!Arithmetic.blasCore.isEmpty && Arithmetic.blasCore != "unknown")
        let environment = ProcessInfo.processInfo.environment
        // scripts/test's capped pass sets both; the libraries must have taken them.
        if environment["ONEDNN_MAX_CPU_ISA"] == "AVX2" { #expect(isa == "avx2") }
        if environment["OPENBLAS_CORETYPE"] == "Haswell" { #expect(Arithmetic.blasCore == "Haswell") }
        #expect(Arithmetic.description.hasPrefix("oneDNN \(isa), OpenBLAS \(Arithmetic.blasCore), "))
        #expect(Arithmetic.facts["onednn_isa"] == isa && Arithmetic.facts["mode"] == Arithmetic.mode)
    }

    @Test("portable mode holds only where it was asked for and the libraries took it")
    func portableMode() {
        let asked = ProcessInfo.processInfo.environment[Arithmetic.modeVariable] == "portable"
        #expect(Arithmetic.isPortable == (asked && Arithmetic.portableProblem == nil))
        // FFTW runs without SIMD codelets exactly in portable mode.
        #expect((Arithmetic.fftwFlags != 0) == Arithmetic.isPortable)
        let capped = Arithmetic.oneDNNISA == "avx2" && Arithmetic.blasCore == "Haswell"
        #expect((Arithmetic.portableProblem == nil) == capped)
    }

    @Test("a record from other kernels is noted, one from these is not")
    func continuation() {
        #expect(Arithmetic.continuationNote(Arithmetic.description, file: "a") == nil)
        #expect(Arithmetic.continuationNote(nil, file: "a") == nil)
        let note = Arithmetic.continuationNote("oneDNN avx2, OpenBLAS Zen, 4 threads, native", file: "run.ckpt")
        #expect(note?.hasPrefix("run.ckpt was written under oneDNN avx2, OpenBLAS Zen, 4 threads, native;") == true)
    }
}

@Suite("The convolutions oneDNN runs")
struct ConvolutionImplementationTests {
    @Test("follow oneDNN's instruction set; in portable mode none is GEMM-based (its blocking reads the cache sizes)")
    func implementations() throws {
        let plain = try Tensor.convolutionImplementations(input: [8, 16, 8, 8], weight: [16, 16, 3, 3], padding: 1)
        // JIT code for the instruction set oneDNN runs (its f32 kernels for avx512_core_bf16 are avx512_core's).
        let isa = plain.forward.split(separator: ":").last.map(String.init) ?? ""
        #expect(plain.forward.hasPrefix("jit:") && !isa.isEmpty && Arithmetic.oneDNNISA.hasPrefix(isa), "\(plain)")
        // A dilated convolution's weight gradient and a strided 7x7 stem's data gradient are GEMM-based under AVX2.
        let dilated = try Tensor.convolutionImplementations(
            input: [8, 16, 16, 16], weight: [16, 16, 3, 3], padding: 2, dilation: 2)
        let stem = try Tensor.convolutionImplementations(
            input: [8, 3, 16, 16], weight: [64, 3, 7, 7], stride: 2, padding: 3)
        let all = [dilated.forward, dilated.backwardData, dilated.backwardWeights, stem.backwardData]
        if Arithmetic.isPortable {
            #expect(all.allSatisfy { !$0.contains("gemm") }, "\(all)")
        } else if Arithmetic.oneDNNISA == "avx2" {
            #expect(dilated.backwardWeights.contains("gemm") && stem.backwardData.contains("gemm"), "\(all)")
        }
    }

    @Test("a dilated convolution's gradients match finite differences on whichever implementation runs")
    func dilatedGradients() throws {
        var data = TestData(seed: 11)
        let x = data.normal([2, 4, 7, 7])
        let w = data.normal([8, 4, 3, 3], scale: 0.3)
        try gradientCheck([x, w], eps: 1e-2, rtol: 2e-2, atol: 2e-3) { t in
            try Tensor.conv2d(t[0], weight: t[1], padding: 2, dilation: 2)
        }
    }
}
