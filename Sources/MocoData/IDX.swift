import Foundation
import MocoTensor

/// MNIST-format IDX files (gzipped or not): unsigned-byte images (`0x00000803`) and labels
/// (`0x00000801`), as MNIST, Fashion-MNIST and the digits' IDX copy store them.
public enum IDX {
    /// The file `stem` in `directory`, gzipped (`stem.gz`) or not, whichever exists.
    public static func file(_ stem: String, in directory: URL) -> URL? {
        [stem + ".gz", stem].map { directory.appendingPathComponent($0) }.first {
            FileManager.default.fileExists(atPath: $0.path)
        }
    }

    /// Images `[N, 1, rows, cols]` divided by `maxValue` (255 for MNIST; 16 for the digits' IDX
    /// copy) and their labels.
    public static func load(images: URL, labels: URL, maxValue: Float = 255, classes: [String]? = nil) throws
        -> LabeledImages
    {
        let (dims, pixels) = try read(images, magic: 0x0803, rank: 3)
        let (labelDims, labelBytes) = try read(labels, magic: 0x0801, rank: 1)
        guard labelDims[0] == dims[0] else {
            throw DataError(
                file: labels.lastPathComponent,
                "\(labelDims[0]) labels for \(dims[0]) images in \(images.lastPathComponent)")
        }
        let labelValues = labelBytes.map(Int.init)
        let classCount = max((labelValues.max() ?? 0) + 1, classes?.count ?? 0)
        let tensor = try Tensor(shape: [dims[0], 1, dims[1], dims[2]], scalars: pixels.map { Float($0) / maxValue })
        return LabeledImages(images: tensor, labels: labelValues, classes: classes ?? (0..<classCount).map(String.init))
    }

    /// The dimensions and bytes of an unsigned-byte IDX file of `rank` dimensions.
    static func read(_ url: URL, magic: UInt32, rank: Int) throws -> (dims: [Int], bytes: [UInt8]) {
        let name = url.lastPathComponent
        var data = try DataFile.read(url)
        if Gzip.isCompressed(data) { data = try Gzip.decompress(data, file: name) }
        let bytes = [UInt8](data)
        func word(_ i: Int) -> UInt32 { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        let header = 4 + 4 * rank
        guard bytes.count >= 4 else {
            throw DataError(file: name, "file of \(bytes.count) bytes is shorter than its IDX header")
        }
        guard word(0) == magic else {
            throw DataError(
                file: name,
                String(
                    format: "magic number 0x%08x is not 0x%08x (unsigned bytes, %d dimensions)", word(0), magic, rank))
        }
        guard bytes.count >= header else {
            throw DataError(file: name, "file of \(bytes.count) bytes is shorter than its IDX header")
        }
        let dims = (0..<rank).map { Int(word(4 + 4 * $0)) }
        guard let count = checkedProduct(dims) else {
            throw DataError(
                file: name,
                "header promises \(dims.map(String.init).joined(separator: "x")) bytes, more than can be addressed")
        }
        guard bytes.count - header == count else {
            throw DataError(
                file: name,
                "header promises \(dims.map(String.init).joined(separator: "x")) = \(count) bytes of data, file holds \(bytes.count - header)"
            )
        }
        return (dims, Array(bytes[header...]))
    }
}
