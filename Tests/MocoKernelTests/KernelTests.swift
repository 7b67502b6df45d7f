import Foundation
import MocoTestSupport
import Testing

/// A script of this folder's `Python/`.
private func script(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/\(name)")
}

@Suite(
    "The Jupyter kernel", .serialized, .enabled(if: KernelHarness.available, Comment(rawValue: KernelHarness.reason)))
struct KernelTests {
    @Test("jupyter_kernel_test: kernel info, execute, errors, display data, completion, inspect, is_complete, history")
    func conformance() async throws {
        let (status, output) = try await KernelHarness.run(script("test_conformance.py"), timeout: 300)
        #expect(status == 0, "\(output)")
        #expect(output.contains("OK"), "\(output)")
    }

    @Test("bad messages are refused and logged; an error keeps the session; interrupt, resume, restart, shutdown")
    func behaviour() async throws {
        let (status, output) = try await KernelHarness.run(script("test_behaviour.py"), timeout: 300)
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
        // The portable kernel beside it: the same moco, started with --portable.
        let portable = Process()
        portable.executableURL = KernelHarness.binary
        portable.arguments = ["kernel", "install", "--portable", "--prefix", prefix.path]
        portable.standardOutput = FileHandle.nullDevice
        try portable.run()
        portable.waitUntilExit()
        #expect(portable.terminationStatus == 0)
        let portableSpec = try JSONSerialization.jsonObject(
            with: Data(contentsOf: prefix.appendingPathComponent("share/jupyter/kernels/moco-portable/kernel.json")))
        let portableJSON = try #require(portableSpec as? [String: Any])
        #expect(portableJSON["argv"] as? [String] == argv + ["--portable"])
        #expect(portableJSON["display_name"] as? String == "moco (portable)")
        for size in [32, 64] {
            let png = try Data(contentsOf: folder.appendingPathComponent("logo-\(size)x\(size).png"))
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            // The IHDR chunk's width and height.
            #expect(png[16..<24] == Data([0, 0, 0, UInt8(size), 0, 0, 0, UInt8(size)]))
        }
    }
}
