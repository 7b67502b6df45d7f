import Foundation
import MocoScript
import Testing

/// Property: whatever text comes in, the lexer, parser and resolver end in a program or in
/// errors that each carry a location inside the input (never a crash, a hang or an
/// unlocated syntax error). Inputs are random token streams and mutations of the corpus.
@Suite("Fuzzing the front end")
struct FuzzTests {
    /// A small deterministic generator (SplitMix64) so a failure reproduces from its seed.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
    }

    static let tokens: [String] = [
        "let", "var", "fn", "if", "else", "for", "in", "while", "break", "continue", "return", "true", "false",
        "nil", "and", "or", "not", "seed", "include", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "..",
        "..<", "=>", "=", "+=", "-=", "*=", "/=", "+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=",
        "x", "y", "f", "print", "len", "range", "dataset", "moco", "train", "cosine", "1", "2.5", "5e-4", "1_000",
        "1e", "0x", "\"s\"", "\"a{x}b\"", "\"{1 + }\"", "\"unterminated", "\"{\"", "\\", "\n", "\n", "\n", " ",
        "# comment\n", "@", "$", "é", "\t", "'", "`"
    ]

    /// Runs `check` on `text` and verifies that every error is located inside the text.
    static func checkTotal(_ text: String, name: String) {
        let interpreter = Interpreter()
        interpreter.output = { _ in }
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        var errors: [ScriptError] = []
        do {
            try interpreter.check(text, name: name)
        } catch let e as ScriptErrors {
            errors = e.errors
        } catch let e as ScriptError {
            errors = [e]
        } catch {
            Issue.record("\(name): unexpected error type \(type(of: error)): \(error)")
        }
        for e in errors {
            guard let loc = e.loc else {
                Issue.record("\(name): unlocated error '\(e.message)' for input:\n\(text)")
                continue
            }
            // An include may point into another file; errors in this input stay inside it.
            if SourceFiles.name(loc.file) == name {
                #expect(
                    loc.line >= 1 && Int(loc.line) <= lineCount + 1,
                    "\(name): line \(loc.line) outside the input:\n\(text)")
            }
            #expect(!e.description.isEmpty)
        }
    }

    @Test("random token streams never crash the front end")
    func randomTokens() {
        var rng = SplitMix(state: 20_261_124)
        for i in 0..<3_000 {
            let count = 1 + rng.below(40)
            var text = ""
            for _ in 0..<count {
                text += rng.pick(Self.tokens)
                if rng.below(3) == 0 { text += " " }
            }
            Self.checkTotal(text, name: "fuzz-\(i).moco")
        }
    }

    @Test("deep nesting is refused with a located error, not a stack overflow")
    func deepNesting() {
        for opener in ["(", "[", "{", "-", "not ", "fn() => ", "if true { "] {
            Self.checkTotal(String(repeating: opener, count: 5_000) + "1", name: "deep.moco")
        }
    }

    @Test("mutations of every corpus case never crash the front end")
    func corpusMutations() {
        var rng = SplitMix(state: 7)
        for (n, c) in CorpusCase.all.enumerated() {
            let original = Array(c.text.unicodeScalars)
            for k in 0..<12 {
                var scalars = original
                for _ in 0..<(1 + rng.below(4)) {
                    let at = scalars.isEmpty ? 0 : rng.below(scalars.count)
                    switch rng.below(4) {
                    case 0 where !scalars.isEmpty: scalars.remove(at: at)  // delete a character
                    case 1: scalars.insert(contentsOf: rng.pick(Self.tokens).unicodeScalars, at: at)  // insert a token
                    case 2 where !scalars.isEmpty:  // duplicate a slice
                        let end = min(scalars.count, at + 1 + rng.below(20))
                        scalars.insert(contentsOf: scalars[at..<end], at: at)
                    default:  // cut the tail (truncated input)
                        scalars = Array(scalars[0..<at])
                    }
                }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: scalars)
                Self.checkTotal(String(text), name: "mutant-\(n)-\(k).moco")
            }
        }
    }
}
