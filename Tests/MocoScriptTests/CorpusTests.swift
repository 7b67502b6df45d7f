import Foundation
import MocoScript
import Testing

@Suite("Golden corpus")
struct CorpusTests {
    @Test("the corpus has at least 150 cases")
    func size() {
        #expect(CorpusCase.all.count >= 150, "only \(CorpusCase.all.count) cases")
    }

    @Test("each case prints what it expects, or fails as it expects", arguments: CorpusCase.all)
    func run(_ c: CorpusCase) throws {
        let interpreter = Interpreter(baseDirectory: CorpusCase.directory)
        let plots = FileManager.default.temporaryDirectory.appendingPathComponent("moco-corpus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: plots) }
        interpreter.plotDirectory = plots.appendingPathComponent("plots")
        var output: [String] = []
        interpreter.output = {
            output += $0.replacingOccurrences(of: plots.path + "/plots", with: "<plots>").components(separatedBy: "\n")
        }
        interpreter.progress = { _ in }
        var errors: [String] = []
        do {
            try interpreter.run(c.text, name: c.path)
        } catch let e as ScriptErrors {
            errors = e.errors.map(\.brief)
        } catch let e as ScriptError {
            errors = [e.brief]
        }
        #expect(errors == c.expectedErrors, "\(c): errors")
        #expect(output == c.expectedOutput, "\(c): output")
    }
}
