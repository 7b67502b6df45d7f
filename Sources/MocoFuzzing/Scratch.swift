import Foundation

/// The one folder the harnesses write to: a fresh temporary folder per process.
enum Scratch {
    static let folder: URL = {
        let name = "moco-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A cache entry folder holding the files an entry may list (see `SeedMaker.entryFiles`).
    static let entryFolder: URL = {
        let url = folder.appendingPathComponent("cache/entry")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, data) in SeedMaker.entryFiles() { try? data.write(to: url.appendingPathComponent(name)) }
        return url
    }()

    /// Writes `data` to `name` in the scratch folder (or `folder`) and returns its URL.
    @discardableResult
    static func write(_ data: Data, as name: String, in folder: URL = folder) -> URL {
        let url = folder.appendingPathComponent(name)
        try? data.write(to: url)
        return url
    }
}
