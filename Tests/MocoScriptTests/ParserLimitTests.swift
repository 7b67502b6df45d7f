import Foundation
import MocoScript
import Testing

/// Inputs that once crashed the parser or the interpreter: each is now refused or answered, the same way by
/// `check` and `run`.
@Suite("Limits that keep scripts from crashing moco")
struct ParserLimitTests {
    @Test(
        "a chain of ** counts towards the expression depth, in check and run alike", arguments: [1_001, 20_000, 30_000])
    func powerChains(length: Int) {
        let text = "print(" + Array(repeating: "1", count: length).joined(separator: " ** ") + ")\n"
        let interpreter = Interpreter()
        #expect {
            try interpreter.check(text, name: "chain.moco")
        } throws: { ScriptError.report($0).text.contains("error: expression too deep (more than 1000") }
        #expect {
            _ = try interpreter.run(text, name: "chain.moco")
        } throws: { ScriptError.report($0).text.contains("error: expression too deep (more than 1000") }
    }

    /// What `text` prints, line by line, run in a fresh session.
    private static func printed(_ text: String) throws -> [String] {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let interpreter = Interpreter()
        interpreter.output = { lines.all.append($0) }
        _ = try interpreter.run(text, name: "limits.moco")
        return lines.all
    }

    @Test("a chain of ** within the limit runs, right-associative")
    func shortPowerChain() throws {
        let chain = Array(repeating: "1", count: 900).joined(separator: " ** ")
        #expect(try Self.printed("print(2 ** 3 ** 2)\nprint(\(chain))") == ["512", "1"])
    }

    @Test("range with a count beyond Int is empty when it runs backwards, refused when it runs forwards")
    func hugeRanges() throws {
        #expect(
            try Self.printed("print(range(-1e19))\nprint(range(0, -1e300, 1))\nprint(range(5, 0, 1))") == [
                "[]", "[]", "[]"
            ])
        #expect(throws: ScriptError.self) { _ = try Self.printed("print(range(1e19))") }
    }

    @Test(
        "an error report stays proportional to its errors: long lines are echoed around the column, at most 20 errors")
    func boundedReports() throws {
        let pipes = String(repeating: "|> ", count: 4_000)
        let many = try #require(throws: (any Error).self) { try Interpreter().check(pipes, name: "pipes.moco") }
        let report = ScriptError.report(many).text
        #expect(report.utf8.count < 20 * 400, "\(report.utf8.count) bytes")
        // A long line is shown around the error, and the caret stands under the offending character.
        let long = "let a = " + String(repeating: "1 + ", count: 250) + "* 2\n"
        let one = try #require(throws: (any Error).self) { try Interpreter().check(long, name: "long.moco") }
        let lines = ScriptError.report(one).text.split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        #expect(lines[0].hasPrefix("long.moco:1:1009: error:"), "\(lines[0])")
        #expect(lines[1].count <= 4 + ScriptError.echoWidth + 2 && lines[1].hasPrefix("    …"))
        let caret = try #require(lines[2].firstIndex(of: "^"))
        let offset = lines[2].distance(from: lines[2].startIndex, to: caret)
        #expect(Array(lines[1])[offset] == "*", "\(lines[1])\n\(lines[2])")
    }
}
