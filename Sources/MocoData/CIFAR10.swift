import Foundation
import MocoTensor

/// CIFAR-10's binary batches: records of one label byte and 3,072 pixel bytes (1,024 red,
/// then green, then blue, each 32x32 row-major).
public enum CIFAR10 {
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"
    ]

    /// The batch files present in `directory`: training batches `data_batch_1.bin` ...
    /// `data_batch_5.bin` (those that are there, in order) and the test batch `test_batch.bin`, or
    /// else the `test_batch*.bin` files there (a subset such as `test_batch_2k.bin`).
    public static func batches(in directory: URL) throws -> (train: [URL], test: [URL]) {
        let names = try DataFile.list(directory)
        let present = Set(names)
        let train = (1...5).map { "data_batch_\($0).bin" }.filter(present.contains)
        let test =
            present.contains("test_batch.bin")
            ? ["test_batch.bin"] : names.filter { $0.hasPrefix("test_batch") && $0.hasSuffix(".bin") }.sorted()
        guard !train.isEmpty else {
            throw DataError(file: directory.path, "holds none of data_batch_1.bin ... data_batch_5.bin")
        }
        guard !test.isEmpty else { throw DataError(file: directory.path, "holds no test_batch.bin") }
        return (train.map(directory.appendingPathComponent), test.map(directory.appendingPathComponent))
    }

    /// The images of one or more batch files, `[N, 3, 32, 32]` in `[0, 1]`.
    public static func load(_ files: [URL], classes: [String] = classNames) throws -> LabeledImages {
        var pixels: [Float] = []
        var labels: [Int] = []
        for url in files {
            let name = url.lastPathComponent
            let data = try DataFile.read(url)
            guard !data.isEmpty, data.count % 3073 == 0 else {
                throw DataError(
                    file: name, "size \(data.count) is not a whole number of 3,073-byte records (truncated?)")
            }
            let bytes = [UInt8](data)
            pixels.reserveCapacity(pixels.count + bytes.count)
            for r in 0..<(bytes.count / 3073) {
                let base = r * 3073
                guard Int(bytes[base]) < classes.count else {
                    throw DataError(
                        file: name, "record \(r) has label \(bytes[base]), beyond the \(classes.count) classes")
                }
                labels.append(Int(bytes[base]))
                for i in 1...3072 { pixels.append(Float(bytes[base + i]) / 255) }
            }
        }
        guard !labels.isEmpty else { throw DataError(file: "(CIFAR-10)", "no batch files given") }
        return LabeledImages(
            images: try Tensor(shape: [labels.count, 3, 32, 32], scalars: pixels), labels: labels, classes: classes)
    }
}
