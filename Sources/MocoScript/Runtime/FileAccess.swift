import Foundation

/// Where a script may write and read files. A script or notebook may come from someone else,
/// so each front end confines it: `moco run` and the REPL write under the working folder,
/// `moco render` under its output folder and reads under the notebook's folder; flags
/// (`--allow-write DIR`, `--allow-read DIR`) and the REPL's `:allow-write` widen that.
///
/// Paths are compared after resolving symbolic links and `..` against the real file system,
/// so a link inside an allowed folder cannot lead out of it.
public struct FileAccess: Sendable {
    /// Folders (real paths) under which files may be written.
    public private(set) var writeRoots: [String]
    /// Folders (real paths) under which files may be read; nil: anywhere.
    public private(set) var readRoots: [String]?
    /// How the user widens the write confinement (`--allow-write DIR`).
    public var writeHint: String
    /// How the user widens the read confinement (`--allow-read DIR`).
    public var readHint: String

    /// No confinement (library use; every front end confines).
    public static let unrestricted = FileAccess(write: nil, read: nil)

    /// `write` and `read` folders; nil for either means anywhere.
    public init(
        write: [URL]?, read: [URL]?, writeHint: String = "--allow-write DIR", readHint: String = "--allow-read DIR"
    ) {
        writeRoots = write.map { $0.compactMap { Self.realPath($0) } } ?? ["/"]
        readRoots = read.map { $0.compactMap { Self.realPath($0) } }
        (self.writeHint, self.readHint) = (writeHint, readHint)
    }

    /// Whether `url` names an existing folder (what `--allow-write`, `--allow-read` and
    /// `:allow-write` accept).
    public static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Allows writing (and reading) under `folder` too.
    public mutating func allowWrite(_ folder: URL) {
        if let p = Self.realPath(folder) { writeRoots.append(p) }
        allowRead(folder)
    }

    /// Allows reading under `folder` too.
    public mutating func allowRead(_ folder: URL) {
        if let p = Self.realPath(folder) { readRoots?.append(p) }
    }

    /// `url`, resolved, when it may be written; throws otherwise.
    public func checkWrite(_ url: URL) throws(FileAccessError) -> URL {
        try check(url, roots: writeRoots, kind: .write)
    }

    /// `url`, resolved, when it may be read; throws otherwise.
    public func checkRead(_ url: URL) throws(FileAccessError) -> URL {
        guard let readRoots else { return url }
        return try check(url, roots: readRoots, kind: .read)
    }

    private func check(_ url: URL, roots: [String], kind: FileAccessError.Kind) throws(FileAccessError) -> URL {
        guard let real = Self.realPath(url) else {
            throw FileAccessError(
                path: url.path, kind: kind, roots: roots, hint: kind == .write ? writeHint : readHint,
                reason: "its path goes up through a folder that does not exist")
        }
        guard roots.contains(where: { Self.isInside(real, $0) }) else {
            throw FileAccessError(
                path: url.path, kind: kind, roots: roots, hint: kind == .write ? writeHint : readHint, reason: nil)
        }
        return URL(fileURLWithPath: real)
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// The real path of `url`: its deepest existing ancestor with every link and `..` resolved,
    /// then the rest of the path, which must not go up (`..`) through folders that do not exist.
    public static func realPath(_ url: URL) -> String? {
        let absolute = url.path.hasPrefix("/") ? url.path : FileManager.default.currentDirectoryPath + "/" + url.path
        var existing = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var rest: [String] = []
        while true {
            let candidate = "/" + existing.joined(separator: "/")
            if let resolved = realpath(candidate, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                guard !rest.contains("..") else { return nil }
                let tail = rest.reversed().filter { $0 != "." }
                return tail.isEmpty ? base : (base == "/" ? "" : base) + "/" + tail.joined(separator: "/")
            }
            guard let last = existing.popLast() else { return nil }
            rest.append(last)
        }
    }
}

/// A read or write refused by the confinement.
public struct FileAccessError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case read, write }
    public let path: String
    public let kind: Kind
    public let roots: [String]
    public let hint: String
    public let reason: String?

    public var description: String {
        let verb = kind == .write ? "writing" : "reading"
        if let reason { return "\(verb) \(path) is not allowed: \(reason)" }
        let under = roots.map(displayRoot).joined(separator: ", ")
        return
            "\(verb) \(path) is not allowed: files are \(kind == .write ? "written" : "read") under \(under) only (widen with \(hint))"
    }

    private func displayRoot(_ root: String) -> String {
        root == FileManager.default.currentDirectoryPath ? "the working folder \(root)" : root
    }
}
