import Foundation

/// Why a file could not be read, in words a user can act on ("no such file").
public enum ReadFailure {
    public static func describe(_ url: URL, _ error: Error) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "is a directory, not a file" }
        if !FileManager.default.isReadableFile(atPath: url.path) { return "permission denied" }
        return error.localizedDescription
    }
}
