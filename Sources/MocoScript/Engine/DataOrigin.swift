import Foundation

/// Where a dataset's images come from, so that another program can load the same images: the source `dataset(...)`
/// read, the part of a split source, and the positions a `subset` or `split` kept. A recipe exported to PyTorch
/// (`moco export`) records it; data without one (built in memory) is not exported.
public struct DataOrigin: Codable, Equatable, Sendable {
    /// `digits`, `fashion-mnist`, `mnist`, `cifar10` or `folder`.
    public var source: String
    /// The file or folder it was read from.
    public var path: String
    /// `train` or `test` for a part of a source with a fixed split; nil for an unsplit folder.
    public var part: String?
    /// A folder's image size and channels.
    public var size: Int?
    public var channels: Int?
    /// Files of a folder left out as unreadable (`skip_bad: true`), relative to the folder.
    public var skipped: [String]?
    /// The positions kept, in order, among the images of `part` (nil: all of them).
    public var indices: [Int]?

    /// This origin's part `name` (of a source with a fixed split).
    func part(_ name: String) -> DataOrigin {
        var o = self
        o.part = name
        return o
    }

    /// This origin restricted to `positions` among its images (`count` of them when it has no indices yet).
    func selecting(_ positions: [Int]) -> DataOrigin {
        var o = self
        o.indices = indices.map { kept in positions.map { kept[$0] } } ?? positions
        return o
    }
}
