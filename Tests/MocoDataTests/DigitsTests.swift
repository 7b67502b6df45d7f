import Foundation
import MocoData
import MocoTensor
import Testing

@Suite("Bundled digits")
struct DigitsTests {
    @Test func loadsTheCanonicalSplit() throws {
        let (train, test) = try Digits.load()
        #expect(train.count == 1347 && test.count == 450)
        #expect(train.images.shape == [1347, 1, 8, 8])
        #expect(train.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Per-class counts of the whole set, as documented.
        let counts = (0..<10).map { c in (train.labels + test.labels).filter { $0 == c }.count }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        // The first test row of the canonical split (scikit-learn, seed 0).
        let all = try Digits.loadAll()
        #expect(all.labels[0] == 0 && all.images.scalars[2] == 5.0 / 16)
    }

    @Test func refusesCorruptGzip() throws {
        let url = try #require(Digits.fileURL)
        let data = try Data(contentsOf: url)
        #expect(throws: DataError(file: "x.gz", "gzip data is truncated")) {
            try Gzip.decompress(data.prefix(1000), file: "x.gz")
        }
        var corrupt = data
        corrupt[20] ^= 0xFF
        corrupt[21] ^= 0xFF
        #expect(throws: DataError.self) { try Gzip.decompress(corrupt, file: "x.gz") }
        #expect(Gzip.isCompressed(data) && !Gzip.isCompressed(Data("plain".utf8)))
    }
}

@Suite("Subsets, splits and statistics")
struct SubsetTests {
    @Test func seededSubsetsAndSplits() throws {
        let all = try Digits.loadAll()
        let a = try all.subset(100, seed: 1)
        let b = try all.subset(100, seed: 1)
        #expect(a.count == 100 && a.labels == b.labels)
        let (train, test) = try all.split(testCount: 297, seed: 2)
        #expect(train.count == 1500 && test.count == 297)
        #expect(throws: PipelineError("split", "test size 2000 is not between 0 and the 1797 images")) {
            try all.split(testCount: 2000, seed: 0)
        }
        let (mean, std) = try all.channelStatistics()
        let pixels = all.images.scalars
        let m = pixels.reduce(0, +) / Float(pixels.count)
        #expect(mean.count == 1 && abs(mean[0] - m) < 1e-4 && std[0] > 0.3 && std[0] < 0.5)
    }
}
