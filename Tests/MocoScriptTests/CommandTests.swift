import Foundation
import MocoTensor
import Testing

/// The `moco` binary end to end: a small training script through `moco run`, `--set`, exit
/// codes, and located errors on stderr.
@Suite("moco command")
struct CommandTests {
    /// The build directory holding the test bundle also holds the `moco` executable.
    static let binary = CorpusCase.directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("moco")
    static let scripts = CorpusCase.directory.appendingPathComponent("cli")

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func moco(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws
        -> Outcome
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        (process.standardOutput, process.standardError, process.standardInput) = (out, err, input)
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errText = Box()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errText.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outText = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: outText, as: UTF8.self),
            stderr: String(decoding: errText.data, as: UTF8.self))
    }

    @Test("moco run trains a small model and prints what the script asks, the same twice")
    func smallTraining() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let path = Self.scripts.appendingPathComponent("small-training.moco").path
        let first = try Self.moco(["run", path, "--threads", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "epochs 2, steps 8, queue full 100%")
        let pattern = #"^loss [0-9]+\.[0-9]{4} -> [0-9]+\.[0-9]{4}, kNN [0-9]+\.[0-9]%$"#
        #expect(lines.last?.range(of: pattern, options: .regularExpression) != nil, "\(lines)")
        // One progress line per epoch on stderr, with the monitored kNN.
        let progress = first.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(progress.count == 2 && progress.allSatisfy { $0.contains("kNN") }, "\(first.stderr)")

        let again = try Self.moco(["run", path, "--threads", "1"])
        #expect(again.stdout == first.stdout, "same seed and threads must print the same numbers")

        let longer = try Self.moco(["run", path, "--threads", "1", "--set", "epochs=3"])
        #expect(longer.stdout.hasPrefix("epochs 3, steps 12, queue full 100%"), "\(longer.stdout)\(longer.stderr)")
    }

    @Test("exit codes: 65 script error, 74 unreadable file, 64 usage, 0 version")
    func exitCodes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let broken = Self.scripts.appendingPathComponent("two-errors.moco").path
        let check = try Self.moco(["check", broken])
        #expect(check.status == 65)
        #expect(
            check.stderr.contains("two-errors.moco:1:13: error: expected an expression, found '*'"), "\(check.stderr)")
        #expect(
            check.stderr.contains("two-errors.moco:3:19: error: expected ',' or ')' to close the call opened at 3:6"))
        #expect(check.stderr.contains("    let a = 3 * * 2\n                ^"))
        #expect(try Self.moco(["run", broken]).status == 65)

        let missing = try Self.moco(["run", "/nonexistent/x.moco"])
        #expect(missing.status == 74)
        #expect(missing.stderr.contains("cannot read /nonexistent/x.moco: no such file"))

        let training = Self.scripts.appendingPathComponent("small-training.moco").path
        let badSet = try Self.moco(["run", training, "--set", "epoch=3"])
        #expect(badSet.status == 64)
        #expect(badSet.stderr.contains("--set epoch: small-training.moco has no top-level 'let epoch = ...'"))

        let version = try Self.moco(["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty)
    }

    @Test("--portable and #| arithmetic: portable start moco again with the portable kernels, which its records name")
    func portable() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let native = try Self.moco(["--version"])
        #expect(native.stdout.contains("(\(Arithmetic.oneDNNISA)), OpenBLAS"), "\(native.stdout)")
        #expect(native.stdout.contains("(\(Arithmetic.blasCore) kernels)"), "\(native.stdout)")
        let portable = try Self.moco(["--portable", "--version"])
        #expect(portable.status == 0, "\(portable.stderr)")
        #expect(portable.stdout.contains("(avx2), OpenBLAS"), "\(portable.stdout)")
        #expect(portable.stdout.contains("(Haswell kernels)") && portable.stdout.contains("portable arithmetic"))
        // The environment alone asks for it too, and gets the other settings by starting again.
        let asked = try Self.moco(["--version"], environment: ["MOCO_ARITHMETIC": "portable"])
        #expect(asked.status == 0, "\(asked.stderr)")
        #expect(asked.stdout.contains("(avx2), OpenBLAS") && asked.stdout.contains("portable arithmetic"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-portable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let notebook = dir.appendingPathComponent("pinned.moco")
        try "# %% first\n#| arithmetic: portable\nprint(1 + 1)\n".write(to: notebook, atomically: true, encoding: .utf8)
        let render = try Self.moco(["render", notebook.path, "--threads", "1"])
        #expect(render.status == 0, "\(render.stderr)")
        let report = try String(contentsOf: dir.appendingPathComponent("pinned.md"), encoding: .utf8)
        #expect(report.contains("· 1 thread · oneDNN avx2, OpenBLAS Haswell, portable*"), "\(report)")

        let asksNative = dir.appendingPathComponent("native.moco")
        try "#| arithmetic: native\nprint(1)\n".write(to: asksNative, atomically: true, encoding: .utf8)
        let refused = try Self.moco(["run", asksNative.path, "--portable"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("asks for native arithmetic (#| arithmetic: native); drop --portable"))
        let unknown = dir.appendingPathComponent("unknown.moco")
        try "#| arithmetic: fastest\nprint(1)\n".write(to: unknown, atomically: true, encoding: .utf8)
        let bad = try Self.moco(["run", unknown.path])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("unknown.moco:1:1: error: arithmetic: 'fastest' is not a mode"), "\(bad.stderr)")
    }

    @Test("a script piped into moco runs; a runtime error exits 70 with its location")
    func piped() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let ok = try Self.moco([], stdin: "let x = 20\nprint(x + 22)\n")
        #expect(ok.status == 0 && ok.stdout == "42\n", "\(ok.stdout)\(ok.stderr)")
        let failing = try Self.moco([], stdin: "print(1)\nprint([1][3])\n")
        #expect(failing.status == 70)
        #expect(failing.stdout == "1\n")
        #expect(
            failing.stderr.contains("<stdin>:2:10: error: index 3 is out of range for a list of 1 item"),
            "\(failing.stderr)")
    }

    @Test("two renders of the same notebook at once both succeed (the second waits for the first)")
    func concurrentRenders() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-renders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let notebook = dir.appendingPathComponent("twice.moco")
        try """
        # %% Plots
        for i in 0..<6 { plot([i, 2 * i, i * i], title: "line {i}") }
        print("done")
        """.write(to: notebook, atomically: true, encoding: .utf8)
        final class Box: @unchecked Sendable { var outcomes: [Outcome?] = [nil, nil] }
        for round in 0..<3 {
            let box = Box()
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let outcome = try? Self.moco(["render", notebook.path, "--no-cache", "--to", "md"])
                lock.withLock { box.outcomes[i] = outcome }
            }
            for outcome in box.outcomes {
                #expect(outcome?.status == 0, "round \(round): \(outcome?.stderr ?? "did not start")")
            }
            let report = try String(contentsOf: dir.appendingPathComponent("twice.md"), encoding: .utf8)
            #expect(report.contains("done"))
            let images = try FileManager.default.contentsOfDirectory(
                atPath: dir.appendingPathComponent("twice_files").path)
            #expect(images.filter { $0.hasSuffix(".png") }.count == 6, "\(images)")
        }
    }

    @Test("moco export writes the project of the first train call without training; --train past the last refuses")
    func export() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the moco product first")
        let path = Self.scripts.appendingPathComponent("small-training.moco").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-cli-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("torch")
        let written = try Self.moco(["export", path, "-o", out.path, "--set", "epochs=3", "--seed", "5"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("3 epochs of batch 64 on digits.train[256]"), "\(written.stdout)")
        #expect(!written.stdout.contains("epochs 3, steps"), "the script went on past train(...)")
        for file in ["train.py", "recipe.json", "requirements.txt", "README.md", "data/digits.csv.gz"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let recipe = try String(contentsOf: out.appendingPathComponent("recipe.json"), encoding: .utf8)
        #expect(recipe.contains(#""seed" : 5"#) && recipe.contains(#""epochs" : 3"#))
        let past = try Self.moco(["export", path, "-o", dir.appendingPathComponent("none").path, "--train", "2"])
        // The script reads the untrained run's queue fill after its only train call, and fails there.
        #expect(past.status == 70)
        #expect(past.stderr.contains("nothing written: "), "\(past.stderr)")
        #expect(past.stderr.contains("stopped after 1 train(...) call, before call 2"), "\(past.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("none").path))
    }
}
