/// A data file that cannot be used: its name and the reason.
public struct DataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file (or resource) that was refused.
    public let file: String
    /// Why it was refused.
    public let reason: String

    public init(file: String, _ reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
