import Foundation

/// One fuzz target: a reader of untrusted bytes, called with any input. It may refuse the input
/// (a thrown error is a correct answer); it must never trap, hang or touch files outside its
/// scratch folder.
public struct Harness: Sendable {
    /// The target's name (`moco-fuzz run NAME`, the seed folder's name).
    public let name: String
    /// What it reads, for `moco-fuzz list`.
    public let summary: String
    /// Mutations that suit the format: text tokens for scripts and JSON, bytes for the rest.
    public let dictionary: [[UInt8]]
    let body: @Sendable (Data) -> Void

    /// Runs the harness on one input.
    public func callAsFunction(_ input: Data) { body(input) }
}
