import Foundation
import MocoTestSupport
import Testing

/// The real `moco` binary: piped input (a golden transcript), and the interactive REPL
/// through a pseudo-terminal driven by tmux.
@Suite("REPL transcripts")
struct TranscriptTests {
    static let transcripts = Bundle.module.url(forResource: "Transcripts", withExtension: nil)!
    static let binary = transcripts.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "moco")
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Transcripts")

    @Test("piped input: plain lines, the golden stdout and stderr, the status of the last error")
    func piped() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let process = Process()
        process.executableURL = Self.binary
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        process.environment = ProcessInfo.processInfo.environment.merging(["TERM": "dumb"]) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardInput = try FileHandle(forReadingFrom: Self.transcripts.appendingPathComponent("piped.moco"))
        (process.standardOutput, process.standardError) = (out, err)
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)  // the last error: an unknown command
        for (name, text) in [("piped.out", stdout), ("piped.err", stderr)] {
            Golden.expect(text, matches: Self.golden.appendingPathComponent(name))
        }
        #expect(!stdout.contains("\u{1B}") && !stderr.contains("\u{1B}") && !stdout.contains("moco>"))
    }
}
