import Foundation
import MocoREPL
import MocoScript
import Testing

@Suite("Completion")
struct CompleterTests {
    static func session(_ code: String = "") throws -> Interpreter {
        let interp = Interpreter()
        interp.output = { _ in }
        if !code.isEmpty { try interp.run(code, name: "setup") }
        return interp
    }

    @Test("keywords, builtins (with a parenthesis) and names in scope")
    func names() throws {
        let c = Completer(interpreter: try Self.session("let knobs = 1\nfn knead(x) => x"))
        let r = c.complete("let y = kn")
        #expect(r.start == 8)
        #expect(r.candidates == ["knead(", "knn(", "knn_accuracy(", "knobs"])
        #expect(c.complete("whi").candidates == ["while"])
        #expect(c.complete("tra").candidates == ["train("] && c.complete("tra").append == nil)
    }

    @Test("members after a dot, by the value's type; methods with a parenthesis")
    func members() throws {
        let c = Completer(interpreter: try Self.session(#"let data = dataset("digits")"#))
        #expect(c.complete("data.tr").candidates == ["train"])
        #expect(c.complete("data.train.sub").candidates == ["subset("])
        #expect(c.complete("print(data.test.cl").candidates == ["classes"])
        #expect(c.complete("nothing.x").candidates.isEmpty)
    }

    @Test("named arguments inside a call, for builtins, methods and user functions")
    func namedArguments() throws {
        let c = Completer(interpreter: try Self.session("fn scale(x, by: 2) => x * by\nlet s = cosine(1, 0)"))
        #expect(c.complete("train(model, data, ep").candidates == ["epochs: "])
        #expect(c.complete("scale(3, b").candidates.contains("by: "))
        #expect(c.complete("s.values(st").candidates.contains("steps: "))
        #expect(c.complete("knn(data.test, k: 20, ").candidates.contains("t: "))
    }

    @Test("file paths inside string literals and after :load")
    func paths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("runs"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("runs/first.safetensors"))
        try Data().write(to: dir.appendingPathComponent("rules.moco"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let interp = try Self.session()
        interp.baseDirectory = dir
        let c = Completer(interpreter: interp)
        let r = c.complete(#"run.load("ru"#)
        #expect(r.start == 10 && r.candidates == ["rules.moco", "runs/"])
        #expect(c.complete(#"load("runs/f"#).candidates == ["runs/first.safetensors"])
        #expect(CommandCompleter(interpreter: interp).complete(":load ru").candidates == ["rules.moco", "runs/"])
    }

    @Test("meta-commands after a colon")
    func metaCommands() throws {
        let c = CommandCompleter(interpreter: try Self.session())
        #expect(c.complete(":re").candidates == [":reload", ":reset"])
        #expect(c.complete(":help run.res").candidates == ["run.resume"])
        #expect(c.complete(":preview o").candidates == ["off", "on"])
    }

    @Test("a thousand names in scope")
    func manyNames() throws {
        let code = (0..<1_000).map { "let name_\($0) = \($0)" }.joined(separator: "\n")
        let c = Completer(interpreter: try Self.session(code))
        #expect(c.complete("name_99").candidates.count == 11)
    }
}
