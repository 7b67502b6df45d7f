import Foundation
import MocoSupport
import Testing

@Suite("Atomic files")
struct AtomicFileTests {
    /// A save killed half-way leaves `.NAME.PID.tmp`; the next write of that file removes it when
    /// its process is gone, and leaves the temporary files of live writers alone.
    @Test func leftoversOfKilledWritesAreRemoved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let stale = dir.appendingPathComponent(".run.safetensors.\(ended.processIdentifier).tmp")
        let live = dir.appendingPathComponent(".run.safetensors.1.tmp")  // PID 1 always runs
        let other = dir.appendingPathComponent(".other.safetensors.\(ended.processIdentifier).tmp")
        for url in [stale, live, other] { try Data(count: 4096).write(to: url) }
        let target = dir.appendingPathComponent("run.safetensors")
        try AtomicFile.write(Data("new".utf8), to: target)
        #expect(try Data(contentsOf: target) == Data("new".utf8))
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
        #expect(FileManager.default.fileExists(atPath: other.path))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == [live.lastPathComponent, other.lastPathComponent, "run.safetensors"].sorted())
    }

    @Test func aWriteThroughALinkedTemporaryNameIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let victim = dir.appendingPathComponent("victim.txt")
        try Data("keep".utf8).write(to: victim)
        // The temporary name is unlinked and created exclusively: a planted link is replaced, never followed.
        let temp = dir.appendingPathComponent(".out.bin.\(ProcessInfo.processInfo.processIdentifier).tmp")
        try FileManager.default.createSymbolicLink(at: temp, withDestinationURL: victim)
        try AtomicFile.write(Data("out".utf8), to: dir.appendingPathComponent("out.bin"))
        #expect(try Data(contentsOf: victim) == Data("keep".utf8))
        #expect(try Data(contentsOf: dir.appendingPathComponent("out.bin")) == Data("out".utf8))
    }
}
