import Foundation
import MocoREPL
import MocoScript
import Testing

@Suite("REPL session")
struct SessionTests {
    final class Lines: @unchecked Sendable { var out: [String] = [], err: [String] = [] }

    static func session() -> (Session, Lines) {
        let lines = Lines()
        let s = Session(previews: false, out: { lines.out.append($0) }, err: { lines.err.append($0) })
        return (s, lines)
    }

    @Test(":save writes the successful inputs as a notebook that reproduces the session")
    func save() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-save-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (s, lines) = Self.session()
        s.interpreter.baseDirectory = dir
        s.fileAccess.allowWrite(dir)  // outside the working folder: allowed as :allow-write does
        for input in ["let xs = [1, 2, 3]", "let bad = undefined", "print(sum(xs))", ":save session.moco"] {
            s.handle(input, name: "<input>")
        }
        #expect(lines.out == ["6", "saved 2 inputs to session.moco"])
        #expect(lines.err.count == 1 && lines.err[0].contains("unknown name 'undefined'"))
        let text = try String(contentsOf: dir.appendingPathComponent("session.moco"), encoding: .utf8)
        #expect(
            text.contains("# %% input 1\nlet xs = [1, 2, 3]\n") && text.contains("# %% input 2\nprint(sum(xs))\n")
                && !text.contains("undefined"))
        // Run as a script, the saved session prints what the session printed.
        let replay = Interpreter(baseDirectory: dir)
        var printed: [String] = []
        replay.output = { printed.append($0) }
        try replay.run(file: dir.appendingPathComponent("session.moco"))
        #expect(printed == ["6"])
    }

    @Test("_ holds the last value; :reset drops every variable; errors keep the session")
    func lastValueAndReset() {
        let (s, lines) = Self.session()
        s.handle("20 + 1", name: "<input>")
        s.handle("_ * 2", name: "<input>")
        s.handle("print(nope)", name: "<input>")
        s.handle("_ + 0", name: "<input>")
        #expect(lines.out == ["21", "42", "42"])
        #expect(s.status == 0 || s.status == 65)
        s.handle(":reset", name: "<input>")
        s.handle("_", name: "<input>")
        #expect(lines.err.last?.contains("unknown name '_'") == true)
    }
}
