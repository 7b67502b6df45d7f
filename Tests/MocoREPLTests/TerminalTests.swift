import Foundation
import Testing

/// A `moco` REPL in a tmux pane: keys in, screen out (a real pseudo-terminal with readline).
final class Pane {
    let socket = "moco-test-\(UUID().uuidString.prefix(8))"
    let history: URL

    init(history: URL, columns: Int = 110) throws {
        self.history = history
        let command =
            "env TERM=xterm-256color NO_COLOR=1 MOCO_PLOT_PREVIEW=0 MOCO_HISTORY='\(history.path)' '\(TranscriptTests.binary.path)'"
        // The pane works in the history's folder (plots land there, not in the checkout).
        tmux([
            "new-session", "-d", "-c", history.deletingLastPathComponent().path, "-x", String(columns), "-y", "50",
            command
        ])
        _ = waitFor("moco>")
    }

    deinit { tmux(["kill-server"]) }

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// Runs tmux through the shell: Foundation's Process would wait for the tmux server, which
    /// inherits the descriptor Process watches for the child's exit.
    @discardableResult
    func tmux(_ arguments: [String]) -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let quoted = (["/usr/bin/tmux", "-L", socket] + arguments).map {
            "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        // The status is not read: Foundation's child reaper may collect the shell first.
        _ = system(quoted.joined(separator: " ") + " </dev/null >'\(output.path)' 2>/dev/null")
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Types `text` literally, then the named keys (`Enter`, `Tab`, `C-c`, `Up`).
    func type(_ text: String, _ keys: String...) {
        if !text.isEmpty { tmux(["send-keys", "-t", "0", "-l", text]) }
        if !keys.isEmpty { tmux(["send-keys", "-t", "0"] + keys) }
    }

    /// The screen and its scroll-back, without trailing spaces and blank lines (wait for
    /// "moco>", not "moco> ").
    var screen: String {
        let text = tmux(["capture-pane", "-p", "-J", "-t", "0", "-S", "-500"])
        return text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    /// Waits until the screen contains `text` (at most `seconds`).
    func waitFor(_ text: String, seconds: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if screen.contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    /// The last line of the screen (the prompt and what is typed at it).
    var lastLine: String { screen.split(separator: "\n").last.map(String.init) ?? "" }
}

@Suite(
    "REPL on a terminal (tmux)", .serialized,
    .enabled(if: Pane.available, "tmux is not installed (scripts/setup installs it)"))
struct TerminalTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func pane() throws -> Pane {
        try #require(
            FileManager.default.isExecutableFile(atPath: TranscriptTests.binary.path), "build the moco product first")
        return try Pane(history: try scratch().appendingPathComponent("history"))
    }

    @Test("tab completes members, builtins and named arguments")
    func completion() throws {
        let pane = try Self.pane()
        pane.type(#"let data = dataset("digits")"#, "Enter")
        pane.type("data.tr", "Tab")
        #expect(pane.waitFor("moco> data.train"), "\(pane.screen)")
        pane.type("", "Enter")
        #expect(pane.waitFor("images digits.train: 1347 images"))
        pane.type("knn_acc", "Tab")
        #expect(pane.waitFor("moco> knn_accuracy("), "\(pane.screen)")
        pane.type("", "C-u")
        pane.type("train(data, ep", "Tab")
        #expect(pane.waitFor("moco> train(data, epochs:"), "\(pane.screen)")
    }

    @Test("multi-line input continues with ...>; an error keeps the session")
    func multiLineAndErrors() throws {
        let pane = try Self.pane()
        pane.type("let xs = [1,", "Enter")
        #expect(pane.waitFor("...>"))
        pane.type("2]", "Enter")
        pane.type("print(undefined_name)", "Enter")
        #expect(pane.waitFor("error: unknown name 'undefined_name'"), "\(pane.screen)")
        #expect(pane.screen.contains("          ^"))
        pane.type("len(xs) + 40", "Enter")
        #expect(pane.waitFor("\n42"), "\(pane.screen)")
    }

    /// ThreadSanitizer (`scripts/test --sanitize thread`) holds a signal until the blocked read of
    /// the prompt returns, so there Ctrl-C at an idle prompt acts only when the next key comes.
    static let underThreadSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_acquire") != nil

    @Test(
        "Ctrl-C at the prompt drops the line typed so far and keeps the session",
        .enabled(if: !underThreadSanitizer, "ThreadSanitizer delivers Ctrl-C at an idle prompt only with the next key"))
    func interruptAtThePrompt() throws {
        let pane = try Self.pane()
        pane.type("40 + 2", "Enter")
        #expect(pane.waitFor("\n42"), "\(pane.screen)")
        // The terminal discards input not yet read when Ctrl-C comes (as in any shell): wait until "abc" shows.
        pane.type("abc")
        #expect(pane.waitFor("moco> abc"), "\(pane.screen)")
        pane.type("", "C-c")
        #expect(pane.waitFor("moco> abc^C"), "\(pane.screen)")
        pane.type("_", "Enter")
        #expect(pane.waitFor("moco> _\n42"), "\(pane.screen)")
    }

    @Test("Ctrl-D exits; the history is saved and shared with the next session")
    func history() throws {
        let first = try Self.pane()
        first.type("let remembered = 6 * 7", "Enter")
        first.type("", "C-d")  // Ctrl-D leaves cleanly and saves the history
        let history = first.history
        usleep(500_000)
        let saved = (try? String(contentsOf: history, encoding: .utf8)) ?? ""
        #expect(saved.contains("let remembered = 6 * 7"), "\(saved)")
        let second = try Pane(history: history)
        second.type("", "Up", "Up")
        #expect(second.waitFor("moco> let remembered = 6 * 7"), "\(second.screen)")
    }

    @Test("a plot is written and previewed in the terminal by gnuplot's dumb terminal")
    func plotPreview() throws {
        let pane = try Self.pane()
        pane.type(":preview on", "Enter")
        #expect(pane.waitFor("plot previews on"))
        pane.type(#"plot([1, 4, 9, 16, 25], title: "squares")"#, "Enter")
        #expect(pane.waitFor("\"plots/squares.png\""), "\(pane.screen)")
        #expect(pane.screen.contains("squares") && pane.screen.contains("+-----"), "\(pane.screen)")
        #expect(
            FileManager.default.fileExists(
                atPath: pane.history.deletingLastPathComponent().appendingPathComponent("plots/squares.png").path))
        pane.type(":plots", "Enter")
        #expect(pane.waitFor(":plots\nplots/squares.png"), "\(pane.screen)")
    }

    @Test("Ctrl-C stops training at a step boundary; the run then goes on")
    func interruptTraining() throws {
        let pane = try Self.pane()
        pane.type(#"let data = dataset("digits")"#, "Enter")
        pane.type("let model = moco(encoder: convnet([32, 64]), dim: 32, queue: 256)", "Enter")
        pane.type(#"let run = train(model, data.train, views: preset("digits"), epochs: 2000, batch: 64)"#, "Enter")
        #expect(pane.waitFor("epoch 2/2000"), "\(pane.screen)")
        pane.type("", "C-c")
        #expect(pane.waitFor("interrupted at epoch"), "\(pane.screen)")
        #expect(pane.waitFor("moco>"))
        pane.type("run.interrupted", "Enter")
        #expect(pane.waitFor("run.interrupted\ntrue"), "\(pane.screen)")
        pane.type("let stopped = run.steps", "Enter")
        pane.type("run.resume(epochs: 1)", "Enter")
        #expect(pane.waitFor("run: MoCo v2 on digits.train"), "\(pane.screen)")
        pane.type("[run.interrupted, run.steps > stopped, run.steps % 21]", "Enter")
        #expect(pane.waitFor("[false, true, 0]"), "\(pane.screen)")
    }
}
