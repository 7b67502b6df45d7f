import Foundation
import MocoTensor

/// The bundled 8x8 digits (scikit-learn's copy of the UCI data, CC BY 4.0), with the
/// canonical stratified split of 1,347 train and 450 test images (seed 0).
public enum Digits {
    /// Train and test sets with pixels scaled to `[0, 1]` (raw values 0..16 divided by 16),
    /// images `[N, 1, 8, 8]`.
    public static func load() throws -> (train: LabeledImages, test: LabeledImages) {
        let all = try loadAll()
        let split = try loadSplit()
        return (try all.subset(split.train), try all.subset(split.test))
    }

    /// Where the bundled `digits.csv.gz` lies in this build.
    public static var fileURL: URL? {
        Bundle.module.url(forResource: "digits.csv", withExtension: "gz", subdirectory: "Resources")
    }

    /// All 1,797 images in file order.
    public static func loadAll() throws -> LabeledImages {
        let name = "digits.csv.gz"
        guard let url = fileURL else { throw DataError(file: name, "the bundled resource is missing from this build") }
        let text = String(decoding: try Gzip.decompress(try Data(contentsOf: url), file: name), as: UTF8.self)
        var pixels: [Float] = []
        var labels: [Int] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: ",")
            guard fields.count == 65, let label = Int(fields[64]), (0..<10).contains(label) else {
                throw DataError(file: name, "line \(i + 1) is not 64 pixels and a label 0-9")
            }
            for f in fields[..<64] {
                guard let v = Float(f), v >= 0, v <= 16 else {
                    throw DataError(file: name, "line \(i + 1) has a pixel outside 0..16")
                }
                pixels.append(v / 16)
            }
            labels.append(label)
        }
        guard labels.count == 1797 else { throw DataError(file: name, "expected 1797 images, found \(labels.count)") }
        return LabeledImages(
            images: try Tensor(shape: [labels.count, 1, 8, 8], scalars: pixels), labels: labels,
            classes: (0..<10).map(String.init))
    }

    /// Where the bundled split (`{"train": [...], "test": [...]}`, row numbers of `digits.csv.gz`) lies in this build.
    public static var splitURL: URL? {
        Bundle.module.url(forResource: "split-seed0", withExtension: "json", subdirectory: "Resources")
    }

    private static func loadSplit() throws -> (train: [Int], test: [Int]) {
        let name = "split-seed0.json"
        struct Split: Decodable {
            let train: [Int]
            let test: [Int]
        }
        guard let url = splitURL else {
            throw DataError(file: name, "the bundled resource is missing from this build")
        }
        do {
            let s = try JSONDecoder().decode(Split.self, from: try Data(contentsOf: url))
            guard s.train.count == 1347, s.test.count == 450, Set(s.train + s.test) == Set(0..<1797) else {
                throw DataError(file: name, "the split does not cover the 1,797 rows exactly once")
            }
            return (s.train, s.test)
        } catch let e as DataError {
            throw e
        } catch {
            throw DataError(file: name, "not a valid split file (\(error))")
        }
    }
}
