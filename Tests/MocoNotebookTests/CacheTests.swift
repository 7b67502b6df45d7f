import Foundation
import MocoNotebook
import Testing

@Suite("The cell cache", .serialized)
struct CacheTests {
    /// A copy of `cached.moco` in a fresh folder, to edit.
    static func workspace() throws -> URL {
        let dir = try RenderTests.scratch()
        try FileManager.default.copyItem(
            at: RenderTests.notebooks.appendingPathComponent("cached.moco"),
            to: dir.appendingPathComponent("cached.moco"))
        return dir
    }

    static func render(_ dir: URL, cache: Bool = true, warnings: ((String) -> Void)? = nil) throws -> Renderer.Result {
        var renderer = Renderer()
        renderer.formats = [.html, .md]
        renderer.useCache = cache
        renderer.progress = { line in if line.hasPrefix("cache:") { warnings?(line) } }
        return try renderer.steadyRender(dir.appendingPathComponent("cached.moco"))
    }

    static func edit(_ dir: URL, _ from: String, _ to: String) throws {
        let url = dir.appendingPathComponent("cached.moco")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(from))
        try text.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
    }

    static func reports(_ dir: URL) throws -> [Data] {
        try ["cached.html", "cached.md"].map { try Data(contentsOf: dir.appendingPathComponent($0)) }
    }

    /// The reports of a fresh, uncached render of the notebook as it is in `dir`.
    static func fresh(_ dir: URL) throws -> [Data] {
        let other = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: other) }
        try FileManager.default.copyItem(
            at: dir.appendingPathComponent("cached.moco"), to: other.appendingPathComponent("cached.moco"))
        _ = try render(other, cache: false)
        return try reports(other)
    }

    @Test("an unchanged notebook comes from the cache in under a second, byte for byte")
    func unchanged() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.render(dir)
        #expect((first.cached, first.replayed, first.ran) == (0, 0, 4))
        let before = try Self.reports(dir)
        let start = Date()
        let second = try Self.render(dir)
        #expect(Date().timeIntervalSince(start) < 1)
        #expect((second.cached, second.replayed, second.ran) == (4, 0, 0))
        #expect(try Self.reports(dir) == before)
        // Prose edits re-run nothing.
        try Self.edit(dir, "# # The cell cache", "# # The cell cache, edited")
        let prose = try Self.render(dir)
        #expect(prose.ran == 0 && prose.cached == 4)
    }

    @Test("editing a middle cell re-runs it only (no later cell uses what it defines), as a fresh render would")
    func middleEdit() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.render(dir)
        try Self.edit(dir, "iterations: 300", "iterations: 250")
        let edited = try Self.render(dir)
        // Data and Training are replayed (training restored from its checkpoint), Middle runs, After is cached.
        #expect((edited.cached, edited.replayed, edited.ran) == (3, 2, 1))
        #expect(try Self.reports(dir) == Self.fresh(dir), "a render from the cache must equal a fresh one")
    }

    @Test("a cached fine-tuning cell is replayed from its checkpoint, and the render equals a fresh one")
    func fineTuningReplays() throws {
        let dir = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        # %% Fine-tuning
        seed 0
        let digits = dataset("digits")
        let model = moco(encoder: convnet([8]), dim: 8, queue: 128, splits: 4)
        let clf = finetune(model, digits, labels: 0.2, epochs: 2, batch: 64, quiet: true)
        # %% Report
        print(clf.accuracy, clf.epoch)
        """.write(to: dir.appendingPathComponent("cached.moco"), atomically: true, encoding: .utf8)
        _ = try Self.render(dir)
        try Self.edit(dir, "print(clf.accuracy, clf.epoch)", "print(clf.epoch, clf.accuracy)")
        var warnings: [String] = []
        let edited = try Self.render(dir) { warnings.append($0) }
        #expect(
            (edited.cached, edited.replayed, edited.ran) == (1, 1, 1) && warnings.isEmpty,
            "\(edited.cached) \(edited.replayed) \(edited.ran) \(warnings)")
        #expect(try Self.reports(dir) == Self.fresh(dir), "a render from the cache must equal a fresh one")
        let cache = FileManager.default.enumerator(atPath: dir.appendingPathComponent(".moco-cache").path)
        #expect((cache?.compactMap { $0 as? String } ?? []).contains { $0.contains("finetune") })
    }

    @Test("the staging folders of a killed render are removed by the next render")
    func staleStagingRemoved() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.render(dir)
        // A process that has ended: its PID names a staging folder nobody will finish.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let cache = dir.appendingPathComponent(".moco-cache/cached")
        let stale = cache.appendingPathComponent(".staging-\(ended.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data(count: 1000).write(to: stale.appendingPathComponent("memo-0.safetensors"))
        _ = try Self.render(dir)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        let left = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasPrefix(".staging-") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test("a damaged cache entry is discarded with a warning, never trusted")
    func damaged() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.render(dir)
        let before = try Self.reports(dir)
        let cache = dir.appendingPathComponent(".moco-cache/cached")
        // Flip a byte in every training checkpoint (those of the Training and After cells).
        let entries = try FileManager.default.contentsOfDirectory(at: cache, includingPropertiesForKeys: nil)
        let files = entries.flatMap {
            (try? FileManager.default.contentsOfDirectory(at: $0, includingPropertiesForKeys: nil)) ?? []
        }
        let checkpoints = files.filter { $0.pathExtension == "safetensors" }
        #expect(checkpoints.count == 2)
        for checkpoint in checkpoints {
            var bytes = try Data(contentsOf: checkpoint)
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: checkpoint)
        }
        var warnings: [String] = []
        let result = try Self.render(dir) { warnings.append($0) }
        // The Training cell's entry is discarded; the cells from there on run again.
        #expect(warnings.count == 1 && warnings[0].contains("does not match its checksum"), "\(warnings)")
        #expect((result.cached, result.ran) == (1, 3))
        #expect(try Self.reports(dir) == before)
    }
}
