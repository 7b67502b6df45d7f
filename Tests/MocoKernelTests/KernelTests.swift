import Foundation
import MocoTestSupport
import Testing

/// The moco kernel driven by Jupyter's own client (Python from the venv of scripts/jupyter-venv, which scripts/test
/// makes): the standard conformance suite, bad messages, errors, interrupts and shutdown, and notebooks executed by
/// nbclient against moco's own renders.
enum KernelHarness {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/release/moco")
    static let venv = ProcessInfo.processInfo.environment["MOCO_JUPYTER_VENV"].map { URL(fileURLWithPath: $0) }
    static let python = venv?.appendingPathComponent("bin/python")
    static var available: Bool {
        python.map { FileManager.default.isExecutableFile(atPath: $0.path) } ?? false
            && FileManager.default.isExecutableFile(atPath: binary.path)
    }
    static let reason: Comment =
        "needs the Jupyter venv (scripts/test makes it: MOCO_JUPYTER_VENV) and the release build"

    /// Installs the kernelspec under a fresh prefix, runs `script` with `arguments` in the venv's Python with
    /// JUPYTER_PATH pointing there, and returns its status and output.
    static func run(_ script: String, _ arguments: [String] = [], timeout: TimeInterval) throws -> (Int32, String) {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("moco-kernel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let install = Process()
        install.executableURL = binary
        install.arguments = ["kernel", "install", "--prefix", prefix.path]
        install.standardOutput = FileHandle.nullDevice
        try install.run()
        install.waitUntilExit()
        guard install.terminationStatus == 0 else { return (install.terminationStatus, "moco kernel install failed") }
        return try Subprocess.run(
            python!, [tests.appendingPathComponent("Python/\(script)").path] + arguments, in: prefix,
            environment: [
                "JUPYTER_PATH": prefix.appendingPathComponent("share/jupyter").path,
                "JUPYTER_RUNTIME_DIR": prefix.appendingPathComponent("runtime").path
            ], timeout: timeout)
    }
}

@Suite("The Jupyter kernel", .serialized, .enabled(if: KernelHarness.available, KernelHarness.reason))
struct KernelTests {
    @Test("jupyter_kernel_test: kernel info, execute, errors, display data, completion, inspect, is_complete, history")
    func conformance() throws {
        let (status, output) = try KernelHarness.run("test_conformance.py", timeout: 300)
        #expect(status == 0, "\(output)")
        #expect(output.contains("OK"), "\(output)")
    }

    @Test("bad messages are refused and logged; an error keeps the session; interrupt, resume, restart, shutdown")
    func behaviour() throws {
        let (status, output) = try KernelHarness.run("test_behaviour.py", timeout: 300)
        #expect(status == 0, "\(output)")
    }
}

@Suite("moco kernel install")
struct KernelInstallTests {
    @Test(
        "writes kernel.json naming this moco and the connection file, and two PNG logos",
        .enabled(if: FileManager.default.isExecutableFile(atPath: KernelHarness.binary.path), "needs the release build")
    )
    func install() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("moco-spec-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let process = Process()
        process.executableURL = KernelHarness.binary
        process.arguments = ["kernel", "install", "--prefix", prefix.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let folder = prefix.appendingPathComponent("share/jupyter/kernels/moco")
        let spec = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("kernel.json")))
        let json = try #require(spec as? [String: Any])
        let argv = try #require(json["argv"] as? [String])
        #expect(argv.count == 4 && Array(argv.dropFirst()) == ["kernel", "-f", "{connection_file}"])
        #expect(argv.first.map { $0.hasPrefix("/") && FileManager.default.isExecutableFile(atPath: $0) } == true)
        #expect(json["language"] as? String == "moco" && json["interrupt_mode"] as? String == "signal")
        for size in [32, 64] {
            let png = try Data(contentsOf: folder.appendingPathComponent("logo-\(size)x\(size).png"))
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            // The IHDR chunk's width and height.
            #expect(png[16..<24] == Data([0, 0, 0, UInt8(size), 0, 0, 0, UInt8(size)]))
        }
    }
}

/// Every shipped notebook, rendered by moco to .ipynb, executed again by nbclient through the kernel: the same printed
/// text and values, and an image/png output for each plot cell.
@Suite("Shipped notebooks through the kernel", .enabled(if: KernelHarness.available, KernelHarness.reason))
struct KernelNotebookTests {
    @Test("nbclient runs each shipped notebook through the kernel with the outputs of moco's render")
    func notebooks() throws {
        let names = ShippedNotebooks.names
        let (status, output) = try KernelHarness.run(
            "test_notebooks.py",
            [KernelHarness.binary.path] + names.map { ShippedNotebooks.folder.appendingPathComponent($0).path },
            timeout: 1800)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").filter { $0.hasSuffix(": ok") }.count == names.count, "\(output)")
    }
}

/// The notebooks in `notebooks/`.
enum ShippedNotebooks {
    static let folder = KernelHarness.root.appendingPathComponent("notebooks")
    static let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
        $0.hasSuffix(".moco")
    }.sorted()
}
