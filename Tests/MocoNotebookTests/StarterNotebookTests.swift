import Foundation
import MocoNotebook
import Testing

/// `moco new`: the survey of a folder, the recipe chosen from it, and a written notebook that renders.
@Suite("Starter notebooks", .serialized)
struct StarterNotebookTests {
    static let images = RenderTests.notebooks.appendingPathComponent("starter-images")

    @Test func surveysAFolderAndChoosesARecipe() throws {
        let survey = try StarterNotebook.survey(Self.images)
        #expect(survey.classes.map(\.name) == ["circles", "squares"] && survey.classes.map(\.count) == [12, 12])
        #expect(survey.sides.count == 24 && survey.sides.allSatisfy { $0 == 12 } && !survey.gray)
        let r = try StarterNotebook.recipe(for: survey)
        #expect(
            r
                == StarterNotebook.Recipe(
                    size: 12, channels: 3, testFraction: 0.2, batch: 8, queue: 16, epochs: 200, k: 19, perplexity: 1))
        var tiny = survey
        tiny.classes = [("a", 5), ("b", 5)]
        #expect(throws: (any Error).self) { try StarterNotebook.recipe(for: tiny) }
    }

    @Test func theWrittenNotebookRenders() throws {
        let dir = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("my \"photos\"")
        try FileManager.default.copyItem(at: Self.images, to: folder)
        let notebook = dir.appendingPathComponent("mine.moco")
        let summary = try StarterNotebook.write(notebook: notebook, data: folder)
        #expect(
            summary.hasPrefix("moco new: 24 images in 2 classes; size 12, 3 channels, batch 8, queue 16"), "\(summary)")
        let text = try String(contentsOf: notebook, encoding: .utf8)
        #expect(text.contains(#"dataset("folder", path: "my \"photos\"", size: 12, channels: 3)"#))
        #expect(text.contains(#"# # MoCo on my "photos""#))
        var renderer = Renderer()
        renderer.outputDirectory = dir.appendingPathComponent("out")
        renderer.formats = [.md]
        renderer.progress = { _ in }
        let result = try renderer.steadyRender(notebook)
        let md = try String(contentsOf: result.reports[0], encoding: .utf8)
        #expect(result.status == 0, "\(md.components(separatedBy: "**Error:**").last ?? "")")
        #expect(md.contains("of the labels") && md.contains("pre-trained"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/classifier.safetensors").path))
    }

    @Test func prosePunctuationIsEscaped() {
        let line = StarterNotebook.prose("cats_[v2]\n# %% code")
        #expect(!line.contains("\n") && line.contains(#"cats\_\[v2\]"#) && line.contains(##"\# %% code"##), "\(line)")
    }
}
