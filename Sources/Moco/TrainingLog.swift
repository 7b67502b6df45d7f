import Foundation

/// The per-epoch log of an exported `train.py` (`log.jsonl`): one JSON object a line with `epoch`, `loss`, `top1`,
/// `lr`, `m`, `knn` (null without a monitor) and `images_per_s`.
public enum TrainingLog {
    /// The largest log read, in bytes.
    public static let maxBytes = 64 << 20

    public struct Row: Decodable, Equatable, Sendable {
        public let epoch: Int
        public let loss: Double?
        public let top1: Double?
        public let lr: Double?
        public let m: Double?
        public let knn: Double?
        public let imagesPerS: Double?
    }

    /// The rows of the log at `url`, checked: epochs rising from 1 by one, finite numbers, accuracies in [0, 1].
    /// A refusal names the file and the line.
    public static func read(_ url: URL) throws -> [Row] {
        let file = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingLogError(file: file, reason: "cannot be read (\(error.localizedDescription))")
        }
        guard data.count <= maxBytes else {
            throw TrainingLogError(file: file, reason: "is larger than \(maxBytes >> 20) MiB")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var rows: [Row] = []
        for (i, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            let fail = { (reason: String) in TrainingLogError(file: file, reason: "line \(i + 1): \(reason)") }
            let row: Row
            do { row = try decoder.decode(Row.self, from: Data(line)) } catch {
                throw fail("not a log row (\(Self.describe(error)))")
            }
            guard row.epoch == rows.count + 1 else {
                throw fail("epoch \(row.epoch) where epoch \(rows.count + 1) was expected")
            }
            let numbers = [row.loss, row.top1, row.lr, row.m, row.knn, row.imagesPerS].compactMap { $0 }
            guard numbers.allSatisfy(\.isFinite) else { throw fail("holds a value that is not finite") }
            guard [row.top1, row.knn].compactMap({ $0 }).allSatisfy({ (0...1).contains($0) }) else {
                throw fail("holds an accuracy outside [0, 1]")
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw TrainingLogError(file: file, reason: "holds no rows") }
        return rows
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: return "invalid JSON"
        }
    }
}

/// A log that is refused, with the file and the reason.
public struct TrainingLogError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}
