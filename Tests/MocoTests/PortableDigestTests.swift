import Foundation
import MocoTestSupport
import Testing

/// Portable arithmetic gives the same bits on every x86-64 CPU with AVX2 and FMA: the demo's weights after 4 epochs
/// on 2 threads are committed here. A machine that disagrees fails this test, which is the point: either a library's
/// choice still depends on the CPU there (docs/portable.md lists what was checked), or the engine changed its
/// arithmetic (then update the digest in the same commit, and say so).
@Suite("Portable arithmetic")
struct PortableDigestTests {
    /// `moco-demo 4 0 --portable` with MOCO_THREADS=2.
    static let digest = "7c633a30d44c9de2"
    /// The build folder beside the test bundle's resources holds `moco-demo`.
    static let demo = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("moco-demo")

    @Test("the demo's weights under --portable have the committed digest")
    func demoDigest() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.demo.path), "build the moco-demo product first")
        let (status, output) = try await Turnstile.training.pass {
            try await Subprocess.run(
                Self.demo, ["4", "0", "--portable"], in: FileManager.default.temporaryDirectory,
                environment: ["MOCO_THREADS": "2"], timeout: 300)
        }
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("  arithmetic: oneDNN avx2, OpenBLAS Haswell, 2 threads, portable") })
        #expect(lines.last == "weights digest \(Self.digest)")
    }
}
