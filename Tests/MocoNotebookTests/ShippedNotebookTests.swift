import Foundation
import MocoNotebook
import Testing

/// The notebooks in `notebooks/` render without an error (Fashion-MNIST comes from Debian's
/// dataset-fashion-mnist, installed by scripts/setup).
@Suite("The shipped notebooks")
struct ShippedNotebookTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("notebooks")
    static let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".moco") }.sorted()

    @Test("there are the five notebooks of the guide")
    func present() {
        #expect(Self.names == ["momentum.moco", "own-data.moco", "queue.moco", "quickstart.moco", "versions.moco"])
    }

    @Test("each renders without an error", arguments: names)
    func renders(_ name: String) throws {
        if name == "own-data.moco", !FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") {
            print("skipped: \(name) needs Debian's dataset-fashion-mnist (scripts/setup installs it)")
            return
        }
        let dir = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var renderer = Renderer()
        renderer.outputDirectory = dir
        renderer.formats = [.md]
        renderer.useCache = false
        renderer.progress = { _ in }
        let result = try renderer.render(Self.folder.appendingPathComponent(name))
        let md = try String(contentsOf: result.reports[0], encoding: .utf8)
        #expect(result.status == 0, "\(md.components(separatedBy: "**Error:**").last ?? "")")
        #expect(md.contains("![") && !md.contains("**Error:**"))
    }
}
