import Foundation
import MocoSupport
import MocoTensor

/// Reading a dataset's files and folders, with refusals that name them.
enum DataFile {
    /// The bytes of `url`, or a `DataError` naming it `name` (default: its file name).
    static func read(_ url: URL, as name: String? = nil) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw DataError(file: name ?? url.lastPathComponent, "cannot be read (\(ReadFailure.describe(url, error)))")
        }
    }

    /// The names in the folder `directory`, or a `DataError` naming its path.
    static func list(_ directory: URL) throws -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw DataError(file: directory.path, "cannot be listed (\(ReadFailure.describe(directory, error)))")
        }
    }
}
