import Foundation
import MocoNotebook
import MocoTensor
import Testing

/// The cell cache keys cells on the files they read: a changed dataset folder, included script or loaded file re-runs
/// the cell that read it and the cells that depend on it, never shows a stale output.
@Suite("The cell cache and the files cells read", .serialized)
struct CacheInputTests {
    static let notebook = """
        # %% first
        print("start")

        # %% load
        include "helper.moco"
        let d = dataset("folder", path: "imgs", size: 8)
        print(d)
        print(helper)

        # %% after
        print("after {len(d.labels)}")

        """

    /// The number of starter images.
    static var imageCount: Int {
        ["circles", "squares"].map {
            (try? FileManager.default.contentsOfDirectory(
                atPath: StarterNotebookTests.images.appendingPathComponent($0).path))?.count ?? 0
        }.reduce(0, +)
    }

    /// A folder with the notebook, `helper.moco` and a copy of the starter images (2 classes).
    static func workspace() throws -> URL {
        let dir = try RenderTests.scratch()
        try notebook.write(to: dir.appendingPathComponent("nb.moco"), atomically: true, encoding: .utf8)
        try #"let helper = "v1""#.write(
            to: dir.appendingPathComponent("helper.moco"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: StarterNotebookTests.images, to: dir.appendingPathComponent("imgs"))
        return dir
    }

    static func render(_ dir: URL, log: ((String) -> Void)? = nil) throws -> (Renderer.Result, String) {
        var renderer = Renderer()
        renderer.formats = [.md]
        renderer.progress = { line in log?(line) }
        let result = try renderer.steadyRender(dir.appendingPathComponent("nb.moco"))
        return (result, try String(contentsOf: dir.appendingPathComponent("nb.md"), encoding: .utf8))
    }

    @Test("a changed folder or included script re-runs its cell and those that depend on it; a touched file does not")
    func changedInputsRerun() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (first, report) = try Self.render(dir)
        #expect((first.cached, first.ran) == (0, 3))
        let n = Self.imageCount
        #expect(report.contains("\(n) images") && report.contains("*input: helper.moco (sha256 "))
        #expect(report.contains("*input: imgs/ (sha256 "))
        #expect(try Self.render(dir).0.ran == 0)

        // Two more images: the output must count them.
        let images = dir.appendingPathComponent("imgs")
        for (from, to) in [("circles/00.png", "circles/90.png"), ("squares/01.png", "squares/91.png")] {
            try FileManager.default.copyItem(
                at: images.appendingPathComponent(from), to: images.appendingPathComponent(to))
        }
        var lines: [String] = []
        let (grown, grownReport) = try Self.render(dir) { lines.append($0) }
        #expect((grown.cached, grown.ran) == (1, 2))
        #expect(grownReport.contains("\(n + 2) images") && grownReport.contains("after \(n + 2)"))
        #expect(
            lines.contains {
                $0.hasPrefix("[2/3] load: running (") && $0.hasSuffix("imgs changed since it read it)")
            }, "\(lines)")

        // A changed include.
        try #"let helper = "v2""#.write(
            to: dir.appendingPathComponent("helper.moco"), atomically: true, encoding: .utf8)
        let (edited, editedReport) = try Self.render(dir)
        #expect((edited.cached, edited.ran) == (1, 2) && editedReport.contains("v2"))

        // The same bytes written again (a new modification time): the digest decides, nothing runs.
        let data = try Data(contentsOf: images.appendingPathComponent("squares/02.png"))
        Thread.sleep(forTimeInterval: 0.01)
        try data.write(to: images.appendingPathComponent("squares/02.png"))
        #expect(try Self.render(dir).0.ran == 0)
    }

    @Test("an entry naming a device, a missing file or a relative path as its input runs again; nothing is read")
    func hostileInputs() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.render(dir)
        let cache = dir.appendingPathComponent(".moco-cache/nb")
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { !$0.hasPrefix(".") }
        #expect(entries.count == 3)
        for (forged, expected) in [
            (["path": "/dev/zero", "stamp": "x", "sha256": "y"], (1, 2)),
            (["path": "/nonexistent/file", "stamp": "x", "sha256": "y"], (1, 2)),
            (["path": "relative", "stamp": "x", "sha256": "y"], (1, 2))
        ] {
            for name in entries {
                let url = cache.appendingPathComponent(name).appendingPathComponent("entry.json")
                guard var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
                    let inputs = json["inputs"] as? [[String: String]], !inputs.isEmpty
                else { continue }
                json["inputs"] = [forged]
                try JSONSerialization.data(withJSONObject: json).write(to: url)
            }
            let (result, report) = try Self.render(dir)
            #expect((result.cached, result.ran) == expected, "\(forged)")
            #expect(report.contains("\(Self.imageCount) images"))
        }
    }

    @Test("--set values are part of the keys and the header; a name no cell declares is refused")
    func parameters() throws {
        let dir = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("p.moco")
        try "# %% setup\nlet n = 2\n\n# %% use\nprint(n * 10)\n".write(to: file, atomically: true, encoding: .utf8)
        func render(_ parameters: [(String, String)]) throws -> (Renderer.Result, String) {
            var renderer = Renderer()
            renderer.formats = [.md]
            renderer.progress = { _ in }
            renderer.parameters = parameters.map { (name: $0.0, value: $0.1) }
            let result = try renderer.steadyRender(file)
            return (result, try String(contentsOf: dir.appendingPathComponent("p.md"), encoding: .utf8))
        }
        let (plain, plainReport) = try render([])
        #expect(plain.ran == 2 && plainReport.contains("\n20\n") && !plainReport.contains("parameters"))
        let (set, setReport) = try render([("n", "3")])
        #expect(set.ran == 2 && setReport.contains("\n30\n") && setReport.contains(" · parameters n=3*"))
        #expect(try render([("n", "3")]).0.ran == 0)
        #expect(try render([]).0.ran == 0)
        #expect(throws: (any Error).self) { try render([("m", "3")]) }
        do { _ = try render([("m", "3")]) } catch {
            #expect("\(error)".contains("p.moco has no top-level 'let m = ...'"))
        }
    }

    @Test("--dry-run says which cells would come from the cache and why the others would run, writing nothing")
    func dryRun() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        var renderer = Renderer()
        renderer.progress = { _ in }
        let file = dir.appendingPathComponent("nb.moco")
        #expect(try renderer.steadyDryRun(file).allSatisfy { $0.contains("would run") })
        _ = try Self.render(dir)
        #expect(try renderer.steadyDryRun(file) == ["[1/3] first: cached", "[2/3] load: cached", "[3/3] after: cached"])
        try #"let helper = "v3""#.write(
            to: dir.appendingPathComponent("helper.moco"), atomically: true, encoding: .utf8)
        let report = try Data(contentsOf: dir.appendingPathComponent("nb.md"))
        let lines = try renderer.steadyDryRun(file)
        #expect(lines.count == 3)
        #expect(lines.first == "[1/3] first: replayed from the cache")
        #expect(
            lines[1].hasPrefix("[2/3] load: would run (") && lines[1].hasSuffix("helper.moco changed since it read it)")
        )
        #expect(lines.last == "[3/3] after: would run (it depends on cell 2 (load), which runs)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("nb.md")) == report)
        #expect(try Self.render(dir).0.ran == 2)
    }

    @Test("a file one cell writes and another reads: the reader runs when the writer changes or the file is gone")
    func writtenThenRead() throws {
        let dir = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("nb.moco")
        func write(_ scale: Int) throws {
            try """
            # %% size
            let n = 3
            # %% save
            save({t: randn([n]) * \(scale)}, "t.safetensors")
            # %% load
            print(load("t.safetensors")["t"])
            # %% other
            print(n + 1)
            """.write(to: file, atomically: true, encoding: .utf8)
        }
        var lines: [String] = []
        var renderer = Renderer()
        renderer.formats = [.md]
        renderer.progress = { lines.append($0) }
        func report() throws -> String { try String(contentsOf: dir.appendingPathComponent("nb.md"), encoding: .utf8) }
        // A render without the cache, in the same folder (the report shows the saved file's path).
        func fresh() throws -> String {
            var plain = renderer
            (plain.useCache, plain.progress) = (false, { _ in })
            _ = try plain.steadyRender(file)
            return try report()
        }
        try write(1)
        #expect(try renderer.steadyRender(file).ran == 4)
        // The writer changes: the reader does not use its names, but the file it read changed under it.
        try write(2)
        lines = []
        let edited = try renderer.steadyRender(file)
        let editedReport = try report()
        #expect(try editedReport == fresh())
        #expect(edited.ran == 1 && edited.status == 0, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("cache: ") && $0.contains("t.safetensors changed since it read it") })
        #expect(lines.contains { $0.hasPrefix("[3/4] load: running (") }, "\(lines)")
        // The file is gone: the cell that wrote it is replayed before the reader runs.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("t.safetensors"))
        lines = []
        let restored = try renderer.steadyRender(file)
        #expect(restored.status == 0 && restored.ran == 1 && restored.replayed == 2, "\(lines)")
        let restoredReport = try report()
        #expect(try restoredReport == fresh())
    }

    @Test("watch renders again when an input changes, and stops when told, keeping nothing of a stopped render")
    func watch() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        final class State: @unchecked Sendable {
            let lock = NSLock()
            var results: [Renderer.Result] = []
            var stop = false
            func with<T>(_ f: (State) -> T) -> T { lock.withLock { f(self) } }
        }
        let state = State()
        var renderer = Renderer()
        renderer.formats = [.md]
        renderer.progress = { _ in }
        var watcher = Watcher(
            renderer: renderer, stop: { state.with { $0.stop } },
            rendered: { result in if case .success(let r) = result { state.with { $0.results.append(r) } } })
        watcher.interval = 0.05
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable {
            let watcher: Watcher
            init(_ watcher: Watcher) { self.watcher = watcher }
        }
        let box = Box(watcher)
        Thread.detachNewThread {
            box.watcher.watch(dir.appendingPathComponent("nb.moco"))
            done.signal()
        }
        func wait(for count: Int) -> Bool {
            for _ in 0..<600 where state.with({ $0.results.count }) < count { Thread.sleep(forTimeInterval: 0.05) }
            return state.with { $0.results.count } >= count
        }
        #expect(wait(for: 1))
        try #"let helper = "v9""#.write(
            to: dir.appendingPathComponent("helper.moco"), atomically: true, encoding: .utf8)
        #expect(wait(for: 2))
        state.with { $0.stop = true }
        #expect(done.wait(timeout: .now() + 30) == .success)
        let results = state.with { $0.results }
        #expect(results.count == 2 && (results[1].cached, results[1].ran) == (1, 2))
        #expect(try String(contentsOf: dir.appendingPathComponent("nb.md"), encoding: .utf8).contains("v9"))

        // A render interrupted at once leaves the last report, its plots and the cache as they were.
        let report = try Data(contentsOf: dir.appendingPathComponent("nb.md"))
        let assets = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("nb_files").path)
        try #"let helper = "v10""#.write(
            to: dir.appendingPathComponent("helper.moco"), atomically: true, encoding: .utf8)
        var stopped = renderer
        stopped.interrupted = { true }
        #expect(throws: Renderer.RenderInterrupted.self) {
            try stopped.steadyRender(dir.appendingPathComponent("nb.moco"))
        }
        #expect(try Data(contentsOf: dir.appendingPathComponent("nb.md")) == report)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("nb_files").path) == assets)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("nb_files.partial").path))
    }
}

/// The cache under random sequences of edits: every render equals a fresh render of the same files.
@Suite("The cell cache under random edits", .serialized)
struct CacheEditSequenceTests {
    /// A renderer of Markdown, quiet, and the workspace's notebook; `dir` to remove.
    private static func quietRenderer() throws -> (renderer: Renderer, file: URL, dir: URL) {
        let dir = try CacheInputTests.workspace()
        var renderer = Renderer()
        renderer.formats = [.md]
        renderer.progress = { _ in }
        return (renderer, dir.appendingPathComponent("nb.moco"), dir)
    }

    @Test("an upgrade of moco, gnuplot, OpenBLAS or oneDNN re-runs every cell")
    func versions() throws {
        var (renderer, file, dir) = try Self.quietRenderer()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try renderer.steadyRender(file).ran == 3)
        #expect(try renderer.steadyRender(file).ran == 0)
        renderer.versions = "moco 9.9 gnuplot 6.0 openblas 0.4 onednn 4"
        #expect(try renderer.steadyRender(file).ran == 3)
        // Back on this build's versions, its own entries are still there.
        renderer.versions = nil
        #expect(try renderer.steadyRender(file).ran == 0)
    }

    @Test("a cache made under other kernels (another instruction set, or native against portable) re-runs every cell")
    func arithmetic() throws {
        var (renderer, file, dir) = try Self.quietRenderer()
        defer { try? FileManager.default.removeItem(at: dir) }
        let here = Renderer.machineVersions
        #expect(here.hasSuffix("arithmetic \(Arithmetic.kernels)"))
        #expect(try renderer.steadyRender(file).ran == 3)
        let other = Arithmetic.oneDNNISA == "avx2" ? "avx512_core_bf16" : "avx2"
        renderer.versions = here.replacingOccurrences(of: "oneDNN \(Arithmetic.oneDNNISA),", with: "oneDNN \(other),")
        #expect(renderer.versions != here)
        #expect(try renderer.steadyRender(file).ran == 3)
        renderer.versions = here.replacingOccurrences(
            of: Arithmetic.mode, with: Arithmetic.isPortable ? "native" : "portable")
        #expect(try renderer.steadyRender(file).ran == 3)
        renderer.versions = nil
        #expect(try renderer.steadyRender(file).ran == 0)
    }

    /// A small notebook whose cells read a data file, an include and each other's names.
    static let notebook = [
        "# %% a\nlet base = load(\"x.safetensors\")[\"t\"].sum\nprint(\"base {base}\")\n",
        "# %% b\ninclude \"lib.moco\"\nprint(\"lib {offset}\")\n",
        "# %% c\nprint(\"total {base + offset}\")\n"
    ]

    @Test("30 random edits of cells, an included file and a loaded tensor: each render equals a fresh one")
    func randomEdits() throws {
        let dir = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fresh = try RenderTests.scratch()
        defer { try? FileManager.default.removeItem(at: fresh) }
        var cells = Self.notebook
        var generator = RandomGenerator(seed: 17)
        func write(_ name: String, _ text: String) throws {
            for folder in [dir, fresh] {
                try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        func tensor(_ value: Int) throws {
            // A one-element float32 safetensors file holding `value`.
            let header = #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
            var data = Data()
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(Data(header.utf8))
            withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            for folder in [dir, fresh] { try data.write(to: folder.appendingPathComponent("x.safetensors")) }
        }
        func render(_ folder: URL, cache: Bool) throws -> (report: String, ran: Int) {
            var renderer = Renderer()
            renderer.formats = [.md]
            renderer.useCache = cache
            renderer.progress = { _ in }
            let ran = try renderer.steadyRender(folder.appendingPathComponent("nb.moco")).ran
            return (try String(contentsOf: folder.appendingPathComponent("nb.md"), encoding: .utf8), ran)
        }
        try write("nb.moco", cells.joined(separator: "\n"))
        try write("lib.moco", "let offset = 1\n")
        try tensor(1)
        var unchangedSteps = 0
        for step in 0..<30 {
            let change = generator.nextInt(below: 4)
            switch change {
            case 0:
                let k = generator.nextInt(below: 3)
                cells[k] += "print(\"edit \(step)\")\n"
                try write("nb.moco", cells.joined(separator: "\n"))
            case 1: try write("lib.moco", "let offset = \(step)\n")
            case 2: try tensor(step)
            default: break  // nothing changed: everything must come from the cache
            }
            let (incremental, ran) = try render(dir, cache: true)
            #expect(incremental.contains("\ntotal ") && !incremental.contains("error"), "\(incremental)")
            #expect(incremental == (try render(fresh, cache: false)).report, "step \(step)")
            if change == 3 && step > 0 {
                unchangedSteps += 1
                #expect(ran == 0, "step \(step): nothing changed, yet \(ran) cells ran")
            }
        }
        #expect(unchangedSteps > 0)
    }
}
