import Foundation

/// Writes whole files atomically: the bytes go to a temporary file in the same folder,
/// which is then renamed over the destination, so readers never see a partial file.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw SafeTensorsError(file: url.lastPathComponent, reason: "cannot be written (\(error.localizedDescription))")
        }
    }
}
