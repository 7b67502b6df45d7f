import Foundation
import MocoNotebook
import Testing

/// A `.moco-cache` that came with someone else's notebook: names that climb out of their entry,
/// links, forged entries and checkpoints are refused with a warning, and the cells run again.
@Suite("A hostile cell cache", .serialized)
struct HostileCacheTests {
    /// Renders once, then rewrites every entry.json through `forge` and renders again; returns
    /// the warnings of the second render.
    static func forged(_ dir: URL, _ forge: (inout [String: Any], URL) throws -> Void) throws -> (
        warnings: [String], result: Renderer.Result
    ) {
        _ = try CacheTests.render(dir)
        let cache = dir.appendingPathComponent(".moco-cache/cached")
        for entry in try FileManager.default.contentsOfDirectory(atPath: cache.path) where !entry.hasPrefix(".") {
            let folder = cache.appendingPathComponent(entry)
            let index = folder.appendingPathComponent("entry.json")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
            try forge(&json, folder)
            try JSONSerialization.data(withJSONObject: json).write(to: index)
        }
        var warnings: [String] = []
        let result = try CacheTests.render(dir) { warnings.append($0) }
        return (warnings, result)
    }

    @Test("an image name with ../ is refused: nothing is written outside the report's folders")
    func traversalWrite() throws {
        let dir = try CacheTests.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.deletingLastPathComponent().appendingPathComponent("pwned-\(UUID().uuidString).png")
        let (warnings, result) = try Self.forged(dir) { json, _ in
            guard var outputs = json["outputs"] as? [[String: Any]], !outputs.isEmpty else { return }
            outputs.append([
                "type": "image", "name": "../../\(target.lastPathComponent)", "file": "entry.json", "title": "x"
            ])
            json["outputs"] = outputs
            var files = json["files"] as? [String: String] ?? [:]
            files["entry.json"] = nil
            json["files"] = files
        }
        #expect(result.status == 0)
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(warnings.contains { $0.contains("discarding") }, "\(warnings)")
    }

    @Test("a file outside the entry (../, an absolute path, a link) is never read into the report")
    func traversalRead() throws {
        let dir = try CacheTests.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = dir.appendingPathComponent("secret.txt")
        try "TOP-SECRET-\(UUID().uuidString)".write(to: secret, atomically: true, encoding: .utf8)
        let marker = try String(contentsOf: secret, encoding: .utf8)
        var round = 0
        let (warnings, _) = try Self.forged(dir) { json, folder in
            round += 1
            let digest = SHA256Hex.of(try Data(contentsOf: secret))
            let name: String
            switch round % 3 {
            case 0: name = "../../../secret.txt"
            case 1: name = secret.path
            default:
                name = "link.png"
                try FileManager.default.createSymbolicLink(
                    at: folder.appendingPathComponent(name), withDestinationURL: secret)
            }
            var files = json["files"] as? [String: String] ?? [:]
            files[name] = digest
            json["files"] = files
            var outputs = json["outputs"] as? [[String: Any]] ?? []
            outputs.append(["type": "image", "name": "leak.png", "file": name, "title": "leak"])
            json["outputs"] = outputs
        }
        #expect(warnings.contains { $0.contains("discarding") }, "\(warnings)")
        for report in ["cached.html", "cached.md"] {
            let text = try String(contentsOf: dir.appendingPathComponent(report), encoding: .utf8)
            #expect(!text.contains(marker))
            #expect(!text.contains(Data(marker.utf8).base64EncodedString().prefix(16)))
        }
    }

    @Test("a forged checkpoint in the cache is refused, not a crash: the cell trains again")
    func hostileCheckpoint() throws {
        let dir = try CacheTests.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try CacheTests.render(dir)
        let cache = dir.appendingPathComponent(".moco-cache/cached")
        var forged = 0
        for entry in try FileManager.default.contentsOfDirectory(atPath: cache.path) where !entry.hasPrefix(".") {
            let folder = cache.appendingPathComponent(entry)
            let index = folder.appendingPathComponent("entry.json")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
            var files = json["files"] as? [String: String] ?? [:]
            for name in files.keys where name.hasSuffix(".safetensors") {
                // A header that claims 2^62 elements, with a checksum that matches.
                let header = #"{"trainer.epoch":{"dtype":"I64","shape":[4611686018427387904],"data_offsets":[0,8]}}"#
                var bytes = Data()
                var n = UInt64(header.utf8.count).littleEndian
                withUnsafeBytes(of: &n) { bytes.append(contentsOf: $0) }
                bytes.append(Data(header.utf8))
                bytes.append(Data(count: 8))
                try bytes.write(to: folder.appendingPathComponent(name))
                files[name] = SHA256Hex.of(bytes)
                forged += 1
            }
            json["files"] = files
            try JSONSerialization.data(withJSONObject: json).write(to: index)
        }
        #expect(forged > 0)
        // An edit after the training cell makes the renderer replay it from the cache.
        try CacheTests.edit(dir, "print(\"kl {e.kl:.4f}\")", "print(\"kl {e.kl:.3f}\")")
        var warnings: [String] = []
        let result = try CacheTests.render(dir) { warnings.append($0) }
        #expect(result.status == 0)
        #expect(warnings.contains { $0.contains("refused") || $0.contains("discarding") }, "\(warnings)")
    }

    @Test("a .moco-cache that is a link to another folder is not used")
    func linkedCache() throws {
        let dir = try CacheTests.workspace()
        let elsewhere = try RenderTests.scratch()
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: elsewhere)
        }
        try FileManager.default.createSymbolicLink(
            at: dir.appendingPathComponent(".moco-cache"), withDestinationURL: elsewhere)
        var warnings: [String] = []
        let result = try CacheTests.render(dir) { warnings.append($0) }
        #expect(result.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        #expect(warnings.contains { $0.contains("not a folder") }, "\(warnings)")
    }
}

/// SHA-256 through the system's sha256sum, independent of the code under test.
enum SHA256Hex {
    static func of(_ data: Data) -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("moco-sha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try? data.write(to: file)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [file.path]
        let out = Pipe()
        p.standardOutput = out
        try? p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(text.prefix(64))
    }
}
