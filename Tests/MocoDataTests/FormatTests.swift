import Foundation
import MocoData
import MocoTensor
import Testing

/// `../shared/data` beside the checkout (developers and CI have it; a user's clone does not).
let sharedData: URL? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data")
        .standardizedFileURL
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}()

@Suite("Data formats")
struct FormatTests {
    func temp(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moco-\(UUID())-\(name)")
        try Data(bytes).write(to: url)
        return url
    }

    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

    @Test func idxRoundTripAndRefusals() throws {
        let images = try temp("img.idx", be(0x803) + be(2) + be(2) + be(3) + (0..<12).map(UInt8.init))
        let labels = try temp("lab.idx", be(0x801) + be(2) + [7, 1])
        let set = try IDX.load(images: images, labels: labels, maxValue: 12)
        #expect(set.images.shape == [2, 1, 2, 3] && set.labels == [7, 1] && set.images.scalars[11] == 11.0 / 12)
        let short = try temp("short.idx", be(0x803) + be(2) + be(2) + be(3) + [1, 2, 3])
        #expect(
            throws: DataError(file: short.lastPathComponent, "header promises 2x2x3 = 12 bytes of data, file holds 3")
        ) {
            try IDX.load(images: short, labels: labels)
        }
        #expect(
            throws: DataError(
                file: labels.lastPathComponent,
                "magic number 0x00000801 is not 0x00000803 (unsigned bytes, 3 dimensions)")
        ) {
            try IDX.load(images: labels, labels: labels)
        }
        let fewLabels = try temp("few.idx", be(0x801) + be(1) + [3])
        #expect(
            throws: DataError(file: fewLabels.lastPathComponent, "1 labels for 2 images in \(images.lastPathComponent)")
        ) {
            try IDX.load(images: images, labels: fewLabels)
        }
        #expect(throws: DataError.self) {
            try IDX.load(images: URL(fileURLWithPath: "/nonexistent/x.idx"), labels: labels)
        }
    }

    @Test(.enabled(if: sharedData != nil, "../shared/data is absent (only developers' checkouts have it)"))
    func digitsIDXCopyMatchesTheBundledCSV() throws {
        let shared = try #require(sharedData)
        let idx = try IDX.load(
            images: shared.appendingPathComponent("digits/digits-images-idx3-ubyte.gz"),
            labels: shared.appendingPathComponent("digits/digits-labels-idx1-ubyte.gz"), maxValue: 16)
        let csv = try Digits.loadAll()
        #expect(idx.labels == csv.labels && idx.images.scalars == csv.images.scalars)
    }

    @Test func cifarBatches() throws {
        var record = [UInt8](repeating: 0, count: 3073)
        record[0] = 3
        record[1] = 255
        let good = try temp("batch.bin", record + record)
        let set = try CIFAR10.load([good])
        #expect(
            set.count == 2 && set.images.shape == [2, 3, 32, 32] && set.labels == [3, 3] && set.images.scalars[0] == 1)
        #expect(set.classes[3] == "cat")
        let cut = try temp("cut.bin", record + Array(record.prefix(100)))
        #expect(
            throws: DataError(
                file: cut.lastPathComponent, "size 3173 is not a whole number of 3,073-byte records (truncated?)")
        ) {
            try CIFAR10.load([cut])
        }
        record[0] = 12
        let badLabel = try temp("bad.bin", record)
        #expect(throws: DataError(file: badLabel.lastPathComponent, "record 0 has label 12, beyond the 10 classes")) {
            try CIFAR10.load([badLabel])
        }
    }

    /// The batches that are present are used: a folder with one training batch and a test subset loads.
    @Test func cifarBatchesPresent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-cifar-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: DataError(file: dir.path, "holds none of data_batch_1.bin ... data_batch_5.bin")) {
            try CIFAR10.batches(in: dir)
        }
        for name in ["data_batch_3.bin", "data_batch_1.bin", "data_batch_9.bin", "notes.txt"] {
            try Data([1]).write(to: dir.appendingPathComponent(name))
        }
        #expect(throws: DataError(file: dir.path, "holds no test_batch.bin")) { try CIFAR10.batches(in: dir) }
        try Data([1]).write(to: dir.appendingPathComponent("test_batch_2k.bin"))
        var found = try CIFAR10.batches(in: dir)
        #expect(found.train.map(\.lastPathComponent) == ["data_batch_1.bin", "data_batch_3.bin"])
        #expect(found.test.map(\.lastPathComponent) == ["test_batch_2k.bin"])
        try Data([1]).write(to: dir.appendingPathComponent("test_batch.bin"))
        found = try CIFAR10.batches(in: dir)
        #expect(found.test.map(\.lastPathComponent) == ["test_batch.bin"])
    }

    @Test(.enabled(if: sharedData != nil, "../shared/data is absent (only developers' checkouts have it)"))
    func cifarMini() throws {
        let dir = try #require(sharedData).appendingPathComponent("cifar10-mini")
        let (train, test) = try CIFAR10.batches(in: dir)
        let mini = try CIFAR10.load(test)
        #expect(train.map(\.lastPathComponent) == ["data_batch_1.bin"])
        #expect(mini.count == 2000 && Set(mini.labels) == Set(0..<10))
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: FashionMNIST.directory.path),
            "dataset-fashion-mnist is not installed (scripts/setup installs it)"))
    func fashionMNISTFromTheDebianPackage() throws {
        let (train, test) = try FashionMNIST.load()
        #expect(train.count == 60_000 && test.count == 10_000 && train.images.shape == [60_000, 1, 28, 28])
        #expect(train.classes[9] == "Ankle boot" && Set(test.labels) == Set(0..<10))
    }

    @Test func fashionMNISTNamesThePackageWhenAbsent() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/fashion-mnist")
        #expect(
            throws: DataError(
                file: "/nonexistent/fashion-mnist/train-images-idx3-ubyte.gz",
                "not found; install Fashion-MNIST with: apt-get install dataset-fashion-mnist")
        ) {
            try FashionMNIST.load(from: missing)
        }
    }
}
