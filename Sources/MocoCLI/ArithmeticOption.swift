import ArgumentParser
import Foundation
import MocoScript
import MocoTensor

/// `--portable`, shared by the REPL, `moco run`, `render` and `kernel`: the same bits on any x86-64 CPU with
/// AVX2 and FMA for the same script, seed and thread count (`Arithmetic`). main.swift starts the program again in
/// portable mode before anything runs; a script or notebook can ask for it too (`#| arithmetic: portable`).
struct ArithmeticOption: ParsableArguments {
    @Flag(
        help: """
            Portable arithmetic: oneDNN capped at AVX2, OpenBLAS's Haswell kernels, FFTW without SIMD codelets, so the \
            same script, seed and thread count give the same bits on any x86-64 CPU with AVX2 and FMA (slower where \
            the CPU has more).
            """)
    var portable = false

    /// Starts the program again in portable mode when `file` asks for it (`#| arithmetic: portable`) and it is not
    /// yet; refuses a file that asks for native arithmetic in a portable process. `--portable` itself was handled
    /// before parsing (main.swift).
    func establish(for file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        do {
            switch try ArithmeticDirective.requested(in: text, name: file) {
            case "portable"?: try Arithmetic.establish(portable: true)
            case "native"? where Arithmetic.portableRequested:
                throw ValidationError("\(file) asks for native arithmetic (#| arithmetic: native); drop --portable")
            default: break
            }
        } catch let e as ValidationError {
            throw e
        } catch let e as TensorError {
            throw ValidationError("\(file) asks for portable arithmetic, which this machine cannot give: \(e.message)")
        } catch {
            throw ExitCode(report(error))
        }
    }
}
