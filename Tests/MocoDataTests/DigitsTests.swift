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
        #expect(throws: DataError(file: "x.gz", "gzip data is truncated")) { try Gzip.decompress(data.prefix(1000), file: "x.gz") }
        var corrupt = data
        corrupt[20] ^= 0xFF
        corrupt[21] ^= 0xFF
        #expect(throws: DataError.self) { try Gzip.decompress(corrupt, file: "x.gz") }
        #expect(Gzip.isCompressed(data) && !Gzip.isCompressed(Data("plain".utf8)))
    }
}
