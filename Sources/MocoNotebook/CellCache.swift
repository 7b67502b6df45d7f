import Foundation
import MocoScript
import MocoSupport
import MocoTensor

/// The cell cache (in the spirit of knitr and Quarto), under `.moco-cache/NAME/` beside the
/// report. A code cell's entry is keyed by a hash of its source, its non-display options, the
/// keys of the cells it depends on (`CellGraph`), the seed, the thread count and the versions of moco, gnuplot,
/// OpenBLAS and oneDNN; it holds the cell's outputs, the results of its expensive calls (training
/// checkpoints, t-SNE embeddings, evaluations) and the fingerprint of every file it read: an entry
/// whose inputs changed is not used. Every file of an entry is listed with its SHA-256; an entry that
/// does not check out is discarded with a warning, never trusted.
public final class CellCache {
    let directory: URL
    private let warn: (String) -> Void

    init(directory: URL, warn: @escaping (String) -> Void) {
        (self.directory, self.warn) = (directory, warn)
    }

    /// The cache of `notebook` in the output folder `out`, or nil (with a warning) when its folder
    /// is not a plain folder inside `out` (a link planted to lead writes elsewhere).
    static func open(in out: URL, notebook: String, warn: @escaping (String) -> Void) -> CellCache? {
        let root = out.appendingPathComponent(".moco-cache")
        let dir = root.appendingPathComponent(notebook)
        for folder in [root, dir] {
            var info = stat()
            if lstat(folder.path, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
                warn("cache: \(folder.path) is not a folder; the cell cache is not used")
                return nil
            }
        }
        let cache = CellCache(directory: dir, warn: warn)
        cache.removeStaleStaging()
        return cache
    }

    /// Removes the `.staging-PID-*` folders of renders that were killed before they finished.
    private func removeStaleStaging() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".staging-") {
            if AtomicFile.isLeftover(ofProcess: name.dropFirst(".staging-".count).prefix { $0 != "-" }) {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    /// Whether `name` may name a file of an entry: a plain name inside the entry's folder.
    static func isEntryFileName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 200, name.first != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "._-".unicodeScalars.contains($0)
        }
    }

    /// Reads a file of an entry: a regular file (not a link) with a plain name.
    private func entryFile(_ name: String, in dir: URL) throws -> Data {
        guard Self.isEntryFileName(name) else {
            throw Damaged(
                description: "the file name \(VisibleText.escape(name, keepLines: false)) is not a plain name")
        }
        let url = dir.appendingPathComponent(name)
        var info = stat()
        guard lstat(url.path, &info) == 0 else { throw Damaged(description: "\(name) is missing") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Damaged(description: "\(name) is not a regular file") }
        guard let data = try? Data(contentsOf: url) else { throw Damaged(description: "\(name) cannot be read") }
        return data
    }

    /// A stored entry: the outputs, the memo of expensive calls in call order, the session's seed after the cell
    /// (for the report's header), every file the cell read, in the order of their first read, with their
    /// fingerprints, and the files it wrote besides its plots (a cell that writes is replayed whenever another runs,
    /// since a later cell may read what it wrote).
    struct Entry {
        let outputs: [CellOutput]
        let memo: [(kind: String, record: MemoRecord)]
        let seed: UInt64
        let inputs: [InputFingerprint]
        let writes: [String]
    }

    func entryDirectory(_ key: String) -> URL { directory.appendingPathComponent(key) }

    /// The entry under `key`, nil when there is none or it is damaged (then it is removed).
    func load(_ key: String) -> Entry? {
        let dir = entryDirectory(key)
        var info = stat()
        guard lstat(dir.path, &info) == 0 else { return nil }
        do {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw Damaged(description: "the entry is not a folder") }
            return try parse(try entryFile("entry.json", in: dir), in: dir)
        } catch {
            warn(
                "cache: discarding the damaged entry \(dir.lastPathComponent.prefix(12)) (\(error)); the cell runs again"
            )
            try? FileManager.default.removeItem(at: dir)
            return nil
        }
    }

    private struct Damaged: Error, CustomStringConvertible { let description: String }

    /// Why a render would refuse the entry in `folder` (its `entry.json` and the files it lists),
    /// or nil when it would use it. Reads only; the fuzzer and the tests call it.
    public static func refusal(ofEntryIn folder: URL) -> String? {
        let cache = CellCache(directory: folder.deletingLastPathComponent(), warn: { _ in })
        do {
            _ = try cache.parse(try cache.entryFile("entry.json", in: folder), in: folder)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func parse(_ data: Data, in dir: URL) throws -> Entry {
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let outputs = json["outputs"] as? [[String: Any]], let memo = json["memo"] as? [[String: Any]],
            let files = json["files"] as? [String: String]
        else { throw Damaged(description: "entry.json is not an entry") }
        // Each listed file is read once: the bytes checked against their digest are the bytes used.
        var verified: [String: Data] = [:]
        for (name, digest) in files {
            let bytes = try entryFile(name, in: dir)
            guard SHA256.hex(bytes) == digest else { throw Damaged(description: "\(name) does not match its checksum") }
            verified[name] = bytes
        }
        func listed(_ name: Any?) throws -> String {
            guard let name = name as? String, verified[name] != nil else {
                throw Damaged(description: "a file is not listed")
            }
            return name
        }
        func bytes(_ name: Any?) throws -> Data { verified[try listed(name)]! }
        let parsedOutputs: [CellOutput] = try outputs.map { o in
            switch o["type"] as? String {
            case "text": return .text(o["text"] as? String ?? "")
            case "value": return .value(o["text"] as? String ?? "")
            case "log": return .log(o["text"] as? String ?? "")
            case "image":
                // The name is written into the assets folder: a plain name, a PNG.
                let name = o["name"] as? String ?? "plot.png"
                guard Self.isEntryFileName(name), name.hasSuffix(".png") else {
                    throw Damaged(
                        description:
                            "an image name \(VisibleText.escape(name, keepLines: false)) is not a plain .png name")
                }
                return .image(file: name, png: try bytes(o["file"]), title: o["title"] as? String ?? "")
            default: throw Damaged(description: "unknown output")
            }
        }
        let parsedMemo: [(String, MemoRecord)] = try memo.map { m in
            let kind = m["kind"] as? String ?? ""
            switch m["type"] as? String {
            case "number":
                guard let x = m["value"] as? Double else { throw Damaged(description: "a number is missing") }
                return (kind, .number(x))
            case "embedding":
                let raw = try bytes(m["file"])
                guard let divergence = m["divergence"] as? Double, raw.count % 8 == 0 else {
                    throw Damaged(description: "a bad embedding")
                }
                return (
                    kind,
                    .embedding(
                        points: raw.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }, divergence: divergence)
                )
            case "checkpoint":
                return (
                    kind,
                    .checkpoint(
                        dir.appendingPathComponent(try listed(m["file"])),
                        interrupted: m["interrupted"] as? Bool ?? false)
                )
            default: throw Damaged(description: "unknown memo record")
            }
        }
        guard let seed = (json["seed"] as? NSNumber)?.uint64Value, let inputs = json["inputs"] as? [[String: String]]
        else {
            throw Damaged(description: "the session facts are missing")
        }
        let fingerprints = try inputs.map { i in
            guard let path = i["path"], path.hasPrefix("/"), let stamp = i["stamp"], let sha256 = i["sha256"] else {
                throw Damaged(description: "an input is not a path with its stamp and digest")
            }
            return InputFingerprint(path: path, stamp: stamp, sha256: sha256)
        }
        guard let writes = json["writes"] as? [String] else {
            throw Damaged(description: "the written files are missing")
        }
        return Entry(outputs: parsedOutputs, memo: parsedMemo, seed: seed, inputs: fingerprints, writes: writes)
    }

    /// Stores a cell's outputs and memo under `key`; `staging` holds the memo's files. The entry
    /// appears at once (a folder renamed into place) or not at all.
    func store(_ key: String, _ entry: Entry, staging: URL) {
        let (outputs, memo) = (entry.outputs, entry.memo)
        do {
            var files: [String: String] = [:]
            func add(_ data: Data, as name: String) throws {
                try data.write(to: staging.appendingPathComponent(name))
                files[name] = SHA256.hex(data)
            }
            var outputJSON: [[String: Any]] = []
            for (i, o) in outputs.enumerated() {
                switch o {
                case .text(let t): outputJSON.append(["type": "text", "text": t])
                case .value(let t): outputJSON.append(["type": "value", "text": t])
                case .log(let t): outputJSON.append(["type": "log", "text": t])
                case .image(let name, let png, let title):
                    try add(png, as: "output-\(i).png")
                    outputJSON.append(["type": "image", "name": name, "file": "output-\(i).png", "title": title])
                case .error: return  // a failed cell is never cached
                }
            }
            var memoJSON: [[String: Any]] = []
            for (i, m) in memo.enumerated() {
                switch m.record {
                case .number(let x): memoJSON.append(["kind": m.kind, "type": "number", "value": x])
                case .embedding(let points, let divergence):
                    try add(points.withUnsafeBufferPointer { Data(buffer: $0) }, as: "memo-\(i).f64")
                    memoJSON.append([
                        "kind": m.kind, "type": "embedding", "file": "memo-\(i).f64", "divergence": divergence
                    ])
                case .checkpoint(let url, let interrupted):
                    files[url.lastPathComponent] = SHA256.hex(try Data(contentsOf: url))
                    memoJSON.append([
                        "kind": m.kind, "type": "checkpoint", "file": url.lastPathComponent, "interrupted": interrupted
                    ])
                }
            }
            let index: [String: Any] = [
                "outputs": outputJSON, "memo": memoJSON, "files": files, "seed": entry.seed, "writes": entry.writes,
                "inputs": entry.inputs.map { ["path": $0.path, "stamp": $0.stamp, "sha256": $0.sha256] }
            ]
            try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(
                to: staging.appendingPathComponent("entry.json"))
            let target = entryDirectory(key)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            warn("cache: could not store a cell (\(error)); it will run again next time")
        }
    }

    /// A fresh folder for a cell's memo files, inside the cache (so the final rename stays on one disk).
    func staging() -> URL? {
        let dir = directory.appendingPathComponent(
            ".staging-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        return (try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)) == nil ? nil : dir
    }
}

/// The memo a cell runs with: replaying the records of a cached run, or recording a live run.
final class CellMemo: CallMemo {
    private var replay: [(kind: String, record: MemoRecord)]
    private(set) var recorded: [(kind: String, record: MemoRecord)] = []
    private let folder: URL?
    private var files = 0

    /// `replaying`: the records to hand back in order; `recordingInto`: where live records' files go.
    init(replaying: [(kind: String, record: MemoRecord)] = [], recordingInto folder: URL?) {
        (replay, self.folder) = (replaying, folder)
    }

    func recall(_ kind: String) -> MemoRecord? {
        guard let i = replay.firstIndex(where: { $0.kind == kind }) else { return nil }
        return replay.remove(at: i).record
    }

    func record(_ kind: String, _ value: MemoRecord) {
        if folder != nil { recorded.append((kind, value)) }
    }

    func newFile(_ kind: String, extension ext: String) -> URL? {
        guard let folder else { return nil }
        files += 1
        return folder.appendingPathComponent("memo-\(kind)-\(files).\(ext)")
    }
}
