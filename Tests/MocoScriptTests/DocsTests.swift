import Foundation
import MocoScript
import Testing

/// The documentation in `docs/` stays true to the code.
@Suite("Documentation")
struct DocsTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs")

    @Test("docs/builtins.md is what `moco help --markdown` generates (regenerate: scripts/make-docs)")
    func builtinsCurrent() throws {
        let checkedIn = try String(contentsOf: Self.docs.appendingPathComponent("builtins.md"), encoding: .utf8)
        #expect(checkedIn == BuiltinLibrary.markdown, "docs/builtins.md is stale: run scripts/make-docs")
    }

    @Test("every moco example in docs/language.md parses")
    func languageExamplesParse() throws {
        let text = try String(contentsOf: Self.docs.appendingPathComponent("language.md"), encoding: .utf8)
        var blocks: [(line: Int, code: String)] = []
        var current: [String]?
        var start = 0
        var inOtherLanguage = false
        for (i, raw) in text.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("```") else {
                current?.append(raw)
                continue
            }
            if let code = current {
                blocks.append((start, code.joined(separator: "\n")))
                current = nil
            } else if inOtherLanguage {
                inOtherLanguage = false
            } else if line == "```" {
                (current, start) = ([], i + 2)
            } else {
                inOtherLanguage = true  // ```text: an error message or the grammar
            }
        }
        let examples = blocks
        #expect(examples.count >= 5)
        for (line, code) in examples {
            var parser = Parser(code, file: SourceFiles.register(name: "language.md:\(line)", text: code))
            _ = parser.parseProgram()
            #expect(parser.errors.isEmpty, "docs/language.md:\(line): \(parser.errors.map(\.brief))")
        }
    }
}
