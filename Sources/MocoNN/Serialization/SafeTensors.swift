import Foundation
import MocoSupport
import MocoTensor

/// A safetensors file that was refused: its name and the reason.
public struct SafeTensorsError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}

/// Reads and writes the safetensors format exactly: an 8-byte little-endian header
/// length `N`, a JSON header of `N` bytes (padded with spaces to a multiple of 8) that maps
/// each tensor name to `dtype`, `shape` and `data_offsets` (relative to the data that
/// follows), plus an optional string-to-string `__metadata__`; then the raw
/// little-endian data. moco reads and writes `F32` and `I64`.
///
/// Files written with `checksum: true` carry `sha256` in their metadata: the SHA-256 of the tensor
/// table (each name, dtype, shape and offsets, in data order) followed by the data. Reading verifies
/// it whenever it is present, so a flipped byte or an edited header is refused.
public enum SafeTensors {
    /// The metadata key of the checksum.
    public static let checksumKey = "sha256"
    /// The largest header accepted (as the reference implementation).
    static let maximumHeaderBytes = 100_000_000
    static let knownUnsupported: Set<String> = [
        "F16", "BF16", "F64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL", "F8_E4M3", "F8_E5M2"
    ]

    /// The tensors of a file (in data order) and its metadata.
    public static func read(_ url: URL) throws -> (tensors: StateDict, metadata: [String: String]) {
        let name = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafeTensorsError(file: name, reason: "cannot be read (\(ReadFailure.describe(url, error)))")
        }
        return try decode(data, file: name)
    }

    /// Writes `tensors` and `metadata` atomically (a temporary file beside `url`, then rename).
    public static func write(
        _ tensors: StateDict, metadata: [String: String] = [:], checksum: Bool = false,
        to url: URL
    ) throws {
        let data = try encode(tensors, metadata: metadata, checksum: checksum)
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw SafeTensorsError(file: url.lastPathComponent, reason: "cannot be written (\(error.reason))")
        }
    }

    /// Parses a whole file's bytes; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws -> (tensors: StateDict, metadata: [String: String]) {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(file: file, reason: reason) }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw fail("file of \(bytes.count) bytes is shorter than the 8-byte header length")
        }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
        guard n <= UInt64(maximumHeaderBytes) else {
            throw fail("header length \(n) is larger than the limit of \(maximumHeaderBytes) bytes")
        }
        guard Int(n) <= bytes.count - 8 else {
            throw fail("header length \(n) runs past the end of the file (\(bytes.count) bytes)")
        }
        let headerBytes = bytes[8..<(8 + Int(n))]
        guard headerBytes.first == UInt8(ascii: "{"),
            let json = try? JSONSerialization.jsonObject(with: Data(headerBytes)), let header = json as? [String: Any]
        else {
            throw fail("header is not a JSON object")
        }
        let dataStart = 8 + Int(n)
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        struct Entry {
            let name: String
            let dtype: String
            let shape: [Int]
            let begin: Int
            let end: Int
        }
        var entries: [Entry] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let m = value as? [String: Any], let strings = m as? [String: String], strings.count == m.count
                else {
                    throw fail("__metadata__ must map strings to strings")
                }
                metadata = strings
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shapeAny = info["shape"] as? [Any], let offsetsAny = info["data_offsets"] as? [Any]
            else {
                throw fail("tensor \(key) needs dtype, shape and data_offsets")
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }
            let offsets = offsetsAny.compactMap { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }
            guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \(key) has an invalid shape")
            }
            guard offsets.count == 2, offsetsAny.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw fail("tensor \(key) has invalid data_offsets")
            }
            let size: Int
            switch dtype {
            case "F32": size = 4
            case "I64": size = 8
            case _ where knownUnsupported.contains(dtype):
                throw fail("tensor \(key) has dtype \(dtype), which moco does not read (F32 and I64 only)")
            default: throw fail("tensor \(key) has an unknown dtype \(dtype)")
            }
            let bytes = checkedProduct(shape + [size])
            guard bytes == offsets[1] - offsets[0] else {
                let needs = bytes.map(String.init) ?? "more than 2^63"
                throw fail(
                    "tensor \(key): shape \(shape) of \(dtype) needs \(needs) bytes, data_offsets give \(offsets[1] - offsets[0])"
                )
            }
            guard offsets[1] <= dataSize else {
                throw fail(
                    "tensor \(key): data_offsets [\(offsets[0]), \(offsets[1])] run past the data (\(dataSize) bytes)")
            }
            entries.append(Entry(name: key, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for (i, e) in entries.enumerated() {
            if e.begin < position { throw fail("tensors \(entries[i - 1].name) and \(e.name) overlap") }
            if e.begin > position {
                throw fail("data_offsets leave bytes \(position)..<\(e.begin) unused before tensor \(e.name)")
            }
            position = e.end
        }
        guard position == dataSize else {
            throw fail("the data holds \(dataSize) bytes but the tensors cover \(position)")
        }
        if let expected = metadata[checksumKey] {
            let table = entries.map {
                tableLine(name: $0.name, dtype: $0.dtype, shape: $0.shape, begin: $0.begin, end: $0.end)
            }
            guard digest(table: table, data: data[(data.startIndex + dataStart)...]) == expected else {
                throw fail("the tensors do not match the file's SHA-256 checksum (the file is damaged or was changed)")
            }
        }
        var out: StateDict = []
        for e in entries {
            let base = dataStart + e.begin
            switch e.dtype {
            case "F32":
                var values = [Float](repeating: 0, count: (e.end - e.begin) / 4)
                for i in values.indices {
                    let o = base + 4 * i
                    let bits =
                        UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3])
                        << 24
                    values[i] = Float(bitPattern: bits)
                }
                out.append((e.name, .float(try Tensor(shape: e.shape, scalars: values))))
            default:
                var values = [Int64](repeating: 0, count: (e.end - e.begin) / 8)
                for i in values.indices {
                    var v: UInt64 = 0
                    for b in (0..<8).reversed() { v = v << 8 | UInt64(bytes[base + 8 * i + b]) }
                    values[i] = Int64(bitPattern: v)
                }
                out.append((e.name, .int64(values, shape: e.shape)))
            }
        }
        return (out, metadata)
    }

    /// The bytes of a safetensors file holding `tensors` in the given order, with a checksum in
    /// the metadata when `checksum` is set.
    public static func encode(_ tensors: StateDict, metadata: [String: String] = [:], checksum: Bool = false) throws
        -> Data
    {
        var names = Set<String>()
        for t in tensors {
            guard t.name != "__metadata__", names.insert(t.name).inserted else {
                throw SafeTensorsError(file: "(writing)", reason: "tensor name \(t.name) is repeated or reserved")
            }
        }
        var offset = 0
        var payload = Data()
        var entries: [String] = []
        var table: [(begin: Int, end: Int, name: String, line: String)] = []
        for (name, t) in tensors {
            let dtype: String
            let begin = offset
            switch t {
            case .float(let x):
                dtype = "F32"
                x.withUnsafeBufferPointer { p in
                    for v in p { withUnsafeBytes(of: v.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
                }
                offset += 4 * x.count
            case .int64(let v, _):
                dtype = "I64"
                for x in v { withUnsafeBytes(of: x.littleEndian) { payload.append(contentsOf: $0) } }
                offset += 8 * v.count
            }
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(JSONText.quoted(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(offset)]}"
            )
            table.append(
                (begin, offset, name, tableLine(name: name, dtype: dtype, shape: t.shape, begin: begin, end: offset)))
        }
        var metadata = metadata
        if checksum {
            // In the order decode sees them: empty tensors share an offset, so ties go by name.
            let ordered = table.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }.map(\.line)
            metadata[checksumKey] = digest(table: ordered, data: payload)
        }
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map {
                "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))"
            }
            parts.append("\"__metadata__\":{" + m.joined(separator: ",") + "}")
        }
        parts += entries
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = Data()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(payload)
        return out
    }

    /// One tensor's line of the checksummed table; JSON quoting keeps names unambiguous.
    private static func tableLine(name: String, dtype: String, shape: [Int], begin: Int, end: Int) -> String {
        "\(JSONText.quoted(name)) \(dtype) \(shape) \(begin) \(end)\n"
    }

    private static func digest(table: [String], data: Data) -> String {
        var all = Data(table.joined().utf8)
        all.append(data)
        return SHA256.hex(all)
    }
}
