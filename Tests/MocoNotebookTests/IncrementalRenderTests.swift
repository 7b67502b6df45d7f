import Foundation
import MocoNotebook
import MocoScript
import Testing

/// Dependency-aware re-runs give what a fresh render gives: each code cell of shipped notebooks is edited in turn, and
/// the render that takes the rest from the unedited notebook's cache equals a `--no-cache` render of the edited file,
/// report and plots, byte for byte.
@Suite("Incremental renders equal fresh ones", .serialized)
struct IncrementalRenderTests {
    /// The notebooks, with the parameters that keep their training short.
    static let notebooks: [(name: String, parameters: [(name: String, value: String)])] = [
        ("quickstart.moco", [("epochs", "2")]), ("queue.moco", [("epochs", "1")]), ("versions.moco", [("epochs", "1")])
    ]

    /// Two edits of a cell: a random draw printed at its end (the cells after it must draw what they drew before),
    /// and its first number changed (the cells that depend on it must see the new values).
    static func edits(of source: String) -> [String] {
        var edits = [source + "\nprint(\"edited\", randn([2]))"]
        if let match = source.firstMatch(of: /\b\d+(\.\d+)?\b/), let x = Double(match.output.0) {
            let nudged = match.output.1 == nil ? String(Int(x) + 1) : String(format: "%g", x * 0.9)
            edits.append(source.replacingCharacters(in: match.range, with: nudged))
        }
        return edits
    }

    /// The report and the plots of a render into `dir`.
    static func render(_ file: URL, into dir: URL, parameters: [(name: String, value: String)], cache: Bool) throws
        -> (result: Renderer.Result, bytes: [String: Data])
    {
        var renderer = Renderer()
        (renderer.outputDirectory, renderer.formats, renderer.useCache) = (dir, [.md], cache)
        renderer.parameters = parameters
        renderer.progress = { _ in }
        let result = try renderer.steadyRender(file)
        let stem = file.deletingPathExtension().lastPathComponent
        var bytes = ["\(stem).md": try Data(contentsOf: result.reports[0])]
        let assets = dir.appendingPathComponent("\(stem)_files")
        for name in try FileManager.default.contentsOfDirectory(atPath: assets.path) where name.hasSuffix(".png") {
            bytes[name] = try Data(contentsOf: assets.appendingPathComponent(name))
        }
        return (result, bytes)
    }

    @Test(
        "every single-cell edit, rendered from the cache, equals a fresh render of the edited notebook",
        arguments: 0..<3)
    func everyEdit(_ index: Int) throws {
        let (name, parameters) = Self.notebooks[index]
        let work = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let original = try String(
            contentsOf: ShippedNotebookTests.folder.appendingPathComponent(name), encoding: .utf8)
        let file = work.appendingPathComponent(name)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let cells = Cell.parse(original).filter { $0.kind == .code && !$0.isEmpty }
        var saved = (incremental: 0, fresh: 0)
        // The unedited notebook's render and cache, copied before each edit.
        let base = work.appendingPathComponent("base")
        try original.write(to: file, atomically: true, encoding: .utf8)
        _ = try Self.render(file, into: base, parameters: parameters, cache: true)
        for (c, cell) in cells.enumerated() {
            for edited in Self.edits(of: cell.source) {
                let count = cell.source.split(separator: "\n", omittingEmptySubsequences: false).count
                let text = (lines[..<(cell.firstLine - 1)] + [edited] + lines[(cell.firstLine - 1 + count)...])
                    .joined(separator: "\n")
                // The cache of the unedited notebook, then the edited one rendered from it.
                let cached = work.appendingPathComponent("cached-\(c)")
                try FileManager.default.copyItem(at: base, to: cached)
                try text.write(to: file, atomically: true, encoding: .utf8)
                let incremental = try Self.render(file, into: cached, parameters: parameters, cache: true)
                let fresh = try Self.render(
                    file, into: work.appendingPathComponent("fresh-\(c)"), parameters: parameters, cache: false)
                #expect(incremental.result.status == fresh.result.status)
                #expect(incremental.bytes.keys.sorted() == fresh.bytes.keys.sorted(), "\(name), cell \(c + 1)")
                for (file, data) in fresh.bytes {
                    #expect(incremental.bytes[file] == data, "\(name), cell \(c + 1): \(file) differs\n\(edited)")
                }
                if c == cells.count - 1 { #expect(incremental.result.ran == 1, "only the edited last cell runs") }
                saved.incremental += incremental.result.ran
                saved.fresh += fresh.result.ran
                for dir in [cached, work.appendingPathComponent("fresh-\(c)")] {
                    try? FileManager.default.removeItem(at: dir)
                }
            }
        }
        #expect(
            saved.incremental < saved.fresh, "\(saved): the cells that do not depend on an edit come from the cache")
    }

    @Test("moco run of a notebook prints what its render shows: each cell draws from its own stream")
    func runMatchesRender() throws {
        let work = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let file = work.appendingPathComponent("nb.moco")
        try """
        # %% first
        seed 4
        print(randn([2]))

        # %%
        #| label: named
        print(randn([2]))

        # %% third
        fn twice(x) { return 2 * x }
        print(twice(randn([1])))
        """.write(to: file, atomically: true, encoding: .utf8)
        let interpreter = Interpreter()
        var printed: [String] = []
        interpreter.output = { printed.append($0) }
        interpreter.cellStreams = Cell.streamStarts(of: try String(contentsOf: file, encoding: .utf8))
        try interpreter.run(file: file)
        let rendered = try Self.render(file, into: work, parameters: [], cache: false)
        let md = String(decoding: rendered.bytes["nb.md"]!, as: UTF8.self)
        let shown = md.components(separatedBy: "```text\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(printed.count == 3 && shown == printed, "\(printed) \(shown)")
        #expect(Set(printed).count == 3, "each cell draws different numbers")
    }
}
