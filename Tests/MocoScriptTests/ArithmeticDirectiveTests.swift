import Foundation
import MocoScript
import MocoTensor
import Testing

@Suite("#| arithmetic: the arithmetic a script or notebook asks for")
struct ArithmeticDirectiveTests {
    @Test("read at the top of the file or of a code cell, nowhere else")
    func reading() throws {
        #expect(try ArithmeticDirective.requested(in: "print(1)\n", name: "a") == nil)
        #expect(try ArithmeticDirective.requested(in: "#| arithmetic: portable\nprint(1)\n", name: "a") == "portable")
        let cell = "# %% [markdown]\n# Title\n# %% setup\n#| label: setup\n#| arithmetic: native\nprint(1)\n"
        #expect(try ArithmeticDirective.requested(in: cell, name: "a") == "native")
        // Below code it is a comment, as cell options are.
        #expect(try ArithmeticDirective.requested(in: "print(1)\n#| arithmetic: portable\n", name: "a") == nil)
        #expect(
            try ArithmeticDirective.requested(in: "#| echo: false\n#| arithmetic:portable\n", name: "a") == "portable")
    }

    @Test("an unknown mode, or cells that disagree, are refused at their line")
    func refusals() {
        #expect {
            try ArithmeticDirective.requested(in: "#| arithmetic: fast\n", name: "nb.moco")
        } throws: {
            ($0 as? ScriptError)?.description.hasPrefix("nb.moco:1:1: error: arithmetic: 'fast' is not a mode") == true
        }
        let two = "# %% a\n#| arithmetic: portable\nprint(1)\n# %% b\n#| arithmetic: native\nprint(2)\n"
        #expect {
            try ArithmeticDirective.requested(in: two, name: "nb.moco")
        } throws: { ($0 as? ScriptError)?.message == "arithmetic: native here, but line 2 asks for portable" }
    }

    @Test("a session refuses a file that asks for other arithmetic than it runs, and says how to get it")
    func sessions() throws {
        let other = Arithmetic.isPortable ? "native" : "portable"
        #expect(throws: ScriptError.self) {
            try ArithmeticDirective.check("#| arithmetic: \(other)\n", name: "nb.moco", restart: "run it with moco run")
        }
        try ArithmeticDirective.check("#| arithmetic: \(Arithmetic.mode)\n", name: "nb.moco", restart: "")
        let interpreter = Interpreter()
        #expect {
            _ = try interpreter.run(file: try Self.file("#| arithmetic: \(other)\nprint(1)\n"))
        } throws: { ($0 as? ScriptError)?.message.contains("asks for \(other) arithmetic") == true }
    }

    static func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moco-arith-\(UUID().uuidString).moco")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
