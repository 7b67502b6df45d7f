import Foundation

/// Writes whole files atomically: the bytes go to a temporary file in the same folder,
/// which is then renamed over the destination, so readers never see a partial file.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws(FileWriteError) {
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw FileWriteError(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Writes `text` as UTF-8, atomically.
    public static func write(_ text: String, to url: URL) throws(FileWriteError) {
        try write(Data(text.utf8), to: url)
    }
}

/// A file that could not be written, with the system's reason.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path) cannot be written (\(reason))" }
}
