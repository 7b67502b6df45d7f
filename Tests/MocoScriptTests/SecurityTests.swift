import Foundation
import MocoScript
import Testing

/// What a script from someone else cannot do: run a command through gnuplot, write outside the
/// allowed folders, replace a file of another kind, or print text that acts on the terminal.
@Suite("Security", .serialized)
struct SecurityTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Strings that would end a gnuplot string or line and run a command if pasted raw.
    static func payloads(canary: String) -> [String] {
        let cmd = "system(\"touch \(canary)\")"
        return [
            "Loss\n\(cmd)", "x\r\(cmd)", "a' . \(cmd) . '", "a\" . \(cmd) . \"", "back\\", "\\\n\(cmd)",
            "`touch \(canary)`", "@x", "a; \(cmd)", "# \(cmd)", "x\u{2028}\(cmd)", "x\u{2029}\(cmd)", "x\u{85}\(cmd)",
            "x\u{0B}\(cmd)", "x\u{0C}\(cmd)", "x\u{1B}[31m", "\u{202E}evil", "'; \(cmd); '", "x\n!touch \(canary)"
        ]
    }

    @Test("hostile titles, labels, names and file names never run a command, in the script or when the .gp is re-run")
    func gnuplotInjection() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let canary = dir.appendingPathComponent("pwned").path
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir.appendingPathComponent("plots")
        interpreter.fileAccess = FileAccess(write: [dir], read: [dir])
        interpreter.output = { _ in }
        interpreter.warn = { _ in }
        var refusedNames = 0
        for (k, p) in Self.payloads(canary: canary).enumerated() {
            let q = Value.string(p).repr
            // gnuplot may refuse a payload as a bad string; what matters is that no command runs.
            _ = try? interpreter.run(
                """
                plot([3, 2, 1], title: \(q), xlabel: \(q), ylabel: \(q), names: [\(q)], file: "t\(k).png")
                histogram([1, 2, 2, 3], title: \(q), names: [\(q)], file: "h\(k).svg")
                """, name: "<payload \(k)>")
            do { try interpreter.run("plot([1, 2], file: \(q))", name: "<name \(k)>") } catch { refusedNames += 1 }
        }
        #expect(!FileManager.default.fileExists(atPath: canary))
        // Every script left behind, run again by gnuplot itself.
        let plots = dir.appendingPathComponent("plots")
        for script in try FileManager.default.contentsOfDirectory(atPath: plots.path) where script.hasSuffix(".gp") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gnuplot", "-e", "outfile='/dev/null'", "./" + script]
            p.currentDirectoryURL = plots
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
        }
        #expect(!FileManager.default.fileExists(atPath: canary))
        #expect(refusedNames > 0)
    }

    @Test("writes outside the allowed folder are refused, through .. and through links too")
    func confinedWrites() throws {
        let dir = try Self.scratch()
        let outside = try Self.scratch()
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: outside)
        }
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("link"), withDestinationURL: outside)
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir.appendingPathComponent("plots")
        interpreter.fileAccess = FileAccess(write: [dir], read: nil)
        interpreter.output = { _ in }
        let attempts = [
            "save(zeros([2]), \"\(outside.path)/a.safetensors\")",
            "save(zeros([2]), \"../\(outside.lastPathComponent)/b.safetensors\")",
            "save(zeros([2]), \"link/c.safetensors\")", "plot([1, 2], file: \"link/d.png\")",
            "plot([1, 2], file: \"\(outside.path)/e.png\")"
        ]
        for a in attempts {
            #expect(throws: ScriptError.self, "\(a)") { try interpreter.run(a, name: "<attempt>") }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        try interpreter.run("save(zeros([2]), \"inside.safetensors\")", name: "<ok>")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("inside.safetensors").path))
    }

    @Test("an existing file of another kind is not replaced")
    func kinds() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "print(1)\n".write(to: dir.appendingPathComponent("run.moco"), atomically: true, encoding: .utf8)
        try "notes\n".write(to: dir.appendingPathComponent("notes.png"), atomically: true, encoding: .utf8)
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir
        interpreter.output = { _ in }
        #expect(throws: ScriptError.self) { try interpreter.run("save(zeros([2]), \"run.moco\")", name: "<kind>") }
        #expect(throws: ScriptError.self) { try interpreter.run("plot([1, 2], file: \"notes.png\")", name: "<kind>") }
        #expect(try String(contentsOf: dir.appendingPathComponent("run.moco"), encoding: .utf8) == "print(1)\n")
        // The same kind is replaced as before.
        try interpreter.run("save(zeros([2]), \"w.safetensors\")\nsave(zeros([3]), \"w.safetensors\")", name: "<same>")
    }

    @Test("reads outside the allowed folders are refused; include takes .moco files only")
    func confinedReads() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.fileAccess = FileAccess(write: [dir], read: [dir])
        for a in [
            "load(\"/etc/hostname\")", "dataset(\"folder\", path: \"/usr/share\")", "include \"/proc/self/environ\"",
            "include \"../x.moco\""
        ] {
            do {
                try interpreter.run(a, name: "<read>")
                Issue.record("\(a) was allowed")
            } catch {
                #expect(ScriptError.report(error).status == 74, "\(a): \(error)")
                #expect(!"\(error)".contains("PATH="), "\(a) echoed the file")
            }
        }
    }

    @Test("control characters and bidirectional overrides in output and errors are spelled out")
    func visible() throws {
        var lines: [String] = []
        let interpreter = Interpreter()
        interpreter.output = { lines.append($0) }
        do {
            try interpreter.run("let x = 1\nprint(\"a\" + nosuch)  # \u{202E}gnp.exe \u{1B}[2J", name: "<visible>")
        } catch let e as ScriptErrors {
            #expect(e.description.contains("U+202E") && e.description.contains("\\x1b"))
            #expect(!e.description.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" })
        }
    }
}
