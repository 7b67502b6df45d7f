import Foundation
import MocoNotebook
import Testing

/// The notebooks in `notebooks/` render without an error (Fashion-MNIST comes from Debian's
/// dataset-fashion-mnist, installed by scripts/setup).
@Suite("The shipped notebooks")
struct ShippedNotebookTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("notebooks")
    static let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
        $0.hasSuffix(".moco")
    }.sorted()

    @Test("there are the seven notebooks of the guide")
    func present() {
        #expect(
            Self.names == [
                "finetune.moco", "momentum.moco", "own-data.moco", "queue.moco", "quickstart.moco", "scale-out.moco",
                "versions.moco"
            ])
    }

    /// own-data.moco and finetune.moco read Debian's dataset-fashion-mnist; the others need nothing.
    static let hasFashionMNIST = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist")
    static let needFashionMNIST = ["finetune.moco", "own-data.moco"]
    static let renderable = names.filter { !needFashionMNIST.contains($0) }

    @Test(
        "the notebooks on Fashion-MNIST render without an error",
        .enabled(if: hasFashionMNIST, "they need Debian's dataset-fashion-mnist (scripts/setup installs it)"),
        arguments: needFashionMNIST)
    func rendersOnFashionMNIST(_ name: String) throws {
        try renders(name)
    }

    @Test("each renders without an error", arguments: renderable)
    func renders(_ name: String) throws {
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
