import Foundation
import MocoTensor

/// MNIST-format IDX files (gzipped or not): unsigned-byte images (`0x00000803`) and labels
/// (`0x00000801`), as MNIST, Fashion-MNIST and the digits' IDX copy store them.
public enum IDX {
    /// The file `stem` in `directory`, gzipped (`stem.gz`) or not, whichever exists.
    public static func file(_ stem: String, in directory: URL) -> URL? {
        [stem + ".gz", stem].map { directory.appendingPathComponent($0) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Images `[N, 1, rows, cols]` divided by `maxValue` (255 for MNIST; 16 for the digits' IDX
    /// copy) and their labels.
    public static func load(images: URL, labels: URL, maxValue: Float = 255, classes: [String]? = nil) throws -> LabeledImages {
        let (dims, pixels) = try read(images, magic: 0x0803, rank: 3)
        let (labelDims, labelBytes) = try read(labels, magic: 0x0801, rank: 1)
        guard labelDims[0] == dims[0] else {
            throw DataError(file: labels.lastPathComponent, "\(labelDims[0]) labels for \(dims[0]) images in \(images.lastPathComponent)")
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
        guard bytes.count >= 4 else { throw DataError(file: name, "file of \(bytes.count) bytes is shorter than its IDX header") }
        guard word(0) == magic else {
            throw DataError(file: name, String(format: "magic number 0x%08x is not 0x%08x (unsigned bytes, %d dimensions)", word(0), magic, rank))
        }
        guard bytes.count >= header else { throw DataError(file: name, "file of \(bytes.count) bytes is shorter than its IDX header") }
        let dims = (0..<rank).map { Int(word(4 + 4 * $0)) }
        guard let count = checkedProduct(dims) else {
            throw DataError(file: name, "header promises \(dims.map(String.init).joined(separator: "x")) bytes, more than can be addressed")
        }
        guard bytes.count - header == count else {
            throw DataError(file: name, "header promises \(dims.map(String.init).joined(separator: "x")) = \(count) bytes of data, file holds \(bytes.count - header)")
        }
        return (dims, Array(bytes[header...]))
    }
}

/// CIFAR-10's binary batches: records of one label byte and 3,072 pixel bytes (1,024 red,
/// then green, then blue, each 32x32 row-major).
public enum CIFAR10 {
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    /// The batch files present in `directory`: training batches `data_batch_1.bin` ...
    /// `data_batch_5.bin` (those that are there, in order) and the test batch `test_batch.bin`, or
    /// else the `test_batch*.bin` files there (a subset such as `test_batch_2k.bin`).
    public static func batches(in directory: URL) throws -> (train: [URL], test: [URL]) {
        let names = try DataFile.list(directory)
        let present = Set(names)
        let train = (1...5).map { "data_batch_\($0).bin" }.filter(present.contains)
        let test = present.contains("test_batch.bin")
            ? ["test_batch.bin"] : names.filter { $0.hasPrefix("test_batch") && $0.hasSuffix(".bin") }.sorted()
        guard !train.isEmpty else { throw DataError(file: directory.path, "holds none of data_batch_1.bin ... data_batch_5.bin") }
        guard !test.isEmpty else { throw DataError(file: directory.path, "holds no test_batch.bin") }
        return (train.map(directory.appendingPathComponent), test.map(directory.appendingPathComponent))
    }

    /// The images of one or more batch files, `[N, 3, 32, 32]` in `[0, 1]`.
    public static func load(_ files: [URL], classes: [String] = classNames) throws -> LabeledImages {
        var pixels: [Float] = [], labels: [Int] = []
        for url in files {
            let name = url.lastPathComponent
            let data = try DataFile.read(url)
            guard !data.isEmpty, data.count % 3073 == 0 else {
                throw DataError(file: name, "size \(data.count) is not a whole number of 3,073-byte records (truncated?)")
            }
            let bytes = [UInt8](data)
            pixels.reserveCapacity(pixels.count + bytes.count)
            for r in 0..<(bytes.count / 3073) {
                let base = r * 3073
                guard Int(bytes[base]) < classes.count else {
                    throw DataError(file: name, "record \(r) has label \(bytes[base]), beyond the \(classes.count) classes")
                }
                labels.append(Int(bytes[base]))
                for i in 1...3072 { pixels.append(Float(bytes[base + i]) / 255) }
            }
        }
        guard !labels.isEmpty else { throw DataError(file: "(CIFAR-10)", "no batch files given") }
        return LabeledImages(images: try Tensor(shape: [labels.count, 3, 32, 32], scalars: pixels), labels: labels, classes: classes)
    }
}

/// Fashion-MNIST from Debian's `dataset-fashion-mnist` package.
public enum FashionMNIST {
    public static let directory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The 60,000 training and 10,000 test images, `[N, 1, 28, 28]` in `[0, 1]`.
    public static func load(from directory: URL = directory) throws -> (train: LabeledImages, test: LabeledImages) {
        func file(_ stem: String) throws -> URL {
            guard let url = IDX.file(stem, in: directory) else {
                throw DataError(file: directory.appendingPathComponent(stem + ".gz").path,
                                "not found; install Fashion-MNIST with: apt-get install dataset-fashion-mnist")
            }
            return url
        }
        return (try IDX.load(images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte"), classes: classNames),
                try IDX.load(images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte"), classes: classNames))
    }
}
