import Foundation
import MocoTestSupport
import Testing

/// The notebooks in `notebooks/`, each rendered once by the release build's `moco render` (Markdown and .ipynb, no
/// cache) and shared by two tests: the render has no error, and nbclient, executing the .ipynb again through the
/// kernel, gets the same outputs. Fashion-MNIST comes from Debian's dataset-fashion-mnist, installed by
/// scripts/setup.
@Suite(
    "The shipped notebooks",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: KernelHarness.binary.path),
        "renders with the release build's moco"))
struct ShippedNotebookTests {
    static let folder = KernelHarness.root.appendingPathComponent("notebooks")
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
    static let renderable = names.filter { !needFashionMNIST.contains($0) || hasFashionMNIST }
    static let fashionReason: Comment = "they need Debian's dataset-fashion-mnist (scripts/setup installs it)"

    @Test(
        "the notebooks on Fashion-MNIST render without an error", .enabled(if: hasFashionMNIST, fashionReason),
        arguments: needFashionMNIST)
    func rendersOnFashionMNIST(_ name: String) async throws {
        try await renders(name)
    }

    @Test("each renders without an error", arguments: names.filter { !needFashionMNIST.contains($0) })
    func renders(_ name: String) async throws {
        try await ShippedRenders.shared.use(name) { render in
            let error = render.markdown.components(separatedBy: "**Error:**").dropFirst().first ?? render.output
            #expect(render.status == 0, "\(error)")
            #expect(render.markdown.contains("![") && !render.markdown.contains("**Error:**"))
        }
    }

    @Test(
        "nbclient executes each rendered .ipynb through the kernel to the render's outputs",
        .enabled(if: KernelHarness.available, Comment(rawValue: KernelHarness.reason)), arguments: renderable)
    func throughTheKernel(_ name: String) async throws {
        try await ShippedRenders.shared.use(name) { render in
            try #require(render.status == 0, "the render failed: \(render.output)")
            // A notebook's own files (scale-out/ beside scale-out.moco) travel with it, as beside the .ipynb.
            let base = (name as NSString).deletingPathExtension
            let companion = Self.folder.appendingPathComponent(base)
            if FileManager.default.fileExists(atPath: companion.path) {
                try FileManager.default.copyItem(at: companion, to: render.folder.appendingPathComponent(base))
            }
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Python/test_notebook.py")
            let (status, output) = try await Turnstile.training.pass {
                try await KernelHarness.run(
                    script, [render.folder.appendingPathComponent(base + ".ipynb").path], timeout: 1800)
            }
            #expect(status == 0, "\(output)")
            #expect(output.contains("\(base).ipynb: ok"), "\(output)")
        }
    }
}

/// Each shipped notebook rendered once, by the first test that asks, in its turn with the other processes that train,
/// into a temporary folder that goes when the last test that uses it is done.
actor ShippedRenders {
    static let shared = ShippedRenders()

    /// A render: its folder, `moco render`'s status and output, and the Markdown report.
    struct Render: Sendable {
        let folder: URL
        let status: Int32
        let output: String
        let markdown: String
    }

    private var renders: [String: Task<Render, any Error>] = [:]
    /// The tests still to use each render: the render check, and the kernel's when it runs.
    private var users: [String: Int] = [:]

    /// Runs `body` with the render of notebook `name`, rendering it first if no test has.
    nonisolated func use(_ name: String, _ body: (Render) async throws -> Void) async throws {
        let render = try await task(name).value
        do { try await body(render) } catch {
            await release(name)
            throw error
        }
        await release(name)
    }

    private func task(_ name: String) -> Task<Render, any Error> {
        if let task = renders[name] { return task }
        let task = Task { try await Turnstile.training.pass { try await Self.render(name) } }
        (renders[name], users[name]) = (task, KernelHarness.available ? 2 : 1)
        return task
    }

    private func release(_ name: String) async {
        users[name, default: 1] -= 1
        if users[name] == 0, let render = try? await renders[name]?.value {
            try? FileManager.default.removeItem(at: render.folder)
        }
    }

    private static func render(_ name: String) async throws -> Render {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("moco-shipped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (status, output) = try await Subprocess.run(
            KernelHarness.binary,
            [
                "render", ShippedNotebookTests.folder.appendingPathComponent(name).path, "-o", folder.path, "--to",
                "md,ipynb", "--no-cache"
            ], in: folder, timeout: 1800)
        let markdown = folder.appendingPathComponent((name as NSString).deletingPathExtension + ".md")
        return Render(
            folder: folder, status: status, output: output,
            markdown: (try? String(contentsOf: markdown, encoding: .utf8)) ?? "")
    }
}
