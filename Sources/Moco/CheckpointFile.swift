import Foundation
import MocoNN
import MocoTensor

/// A checkpoint as read back (`Checkpoint`, `FineTuneCheckpoint`): its tensors and metadata once the format and the
/// checksum are checked, with accessors whose refusals name the file.
struct CheckpointFile {
    let file: String
    let state: StateDict
    let metadata: [String: String]
    let byName: [String: StateTensor]

    /// Reads `url`, refusing another format than `format` (a `kind` of file) and a file without a checksum.
    init(_ url: URL, format: String, kind: String) throws {
        try self.init(url)
        try check(format: format, kind: kind)
    }

    /// Reads `url` whatever its format (a caller that dispatches on `metadata["format"]` checks it next).
    init(_ url: URL) throws {
        file = url.lastPathComponent
        (state, metadata) = try SafeTensors.read(url)
        byName = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// Refuses another format than `format` (a `kind` of file) and a file without a checksum.
    func check(format: String, kind: String) throws {
        guard metadata["format"] == format else {
            throw fail("not a \(kind) (format \(metadata["format"] ?? "missing"))")
        }
        // SafeTensors.read verified the checksum; a checkpoint must have one.
        guard metadata[SafeTensors.checksumKey] != nil else { throw fail("has no checksum of its data") }
    }

    /// The metadata key naming the arithmetic a checkpoint was written under (`Arithmetic.description`).
    static let arithmeticKey = "arithmetic"

    /// Writes `state` with `recipe` as a checkpoint of `format`, atomically and with a checksum of its data; the
    /// metadata names the arithmetic that made it.
    static func write(_ state: StateDict, format: String, recipe: [String: String], to url: URL) throws {
        var metadata = recipe
        metadata["format"] = format
        metadata[arithmeticKey] = Arithmetic.description
        try SafeTensors.write(state, metadata: metadata, checksum: true, to: url)
    }

    /// A generator's state as a checkpoint entry.
    static func entry(_ rng: RandomGenerator) -> StateTensor {
        .int64(rng.state.map { Int64(bitPattern: $0) }, shape: [rng.state.count])
    }

    /// Doubles as a checkpoint entry, exactly (their bit patterns as int64).
    static func entry(_ values: [Double]) -> StateTensor {
        .int64(values.map { Int64(bitPattern: $0.bitPattern) }, shape: [values.count])
    }

    /// The doubles saved as `name` (see `entry(_:)`).
    func doubles(_ name: String) throws -> [Double] {
        try ints(name).map { Double(bitPattern: UInt64(bitPattern: $0)) }
    }

    /// The generator saved as `name` (see `entry`).
    func generator(_ name: String) throws -> RandomGenerator {
        guard let rng = RandomGenerator(state: try ints(name).map { UInt64(bitPattern: $0) }) else {
            throw fail("\(name) is not a generator state")
        }
        return rng
    }

    func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(file: file, reason: reason) }

    func float(_ name: String) throws -> Tensor {
        guard case .float(let t)? = byName[name] else { throw fail("missing float tensor \(name)") }
        return t
    }

    func ints(_ name: String) throws -> [Int64] {
        guard case .int64(let v, _)? = byName[name] else { throw fail("missing integer tensor \(name)") }
        return v
    }

    /// The entries under `prefix`, without it.
    func section(_ prefix: String) -> StateDict {
        state.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) }
    }

    /// The float entries under `prefix` by name (an optimizer's state).
    func floatSection(_ prefix: String) -> [String: Tensor] {
        Dictionary(
            section(prefix).compactMap { n, t -> (String, Tensor)? in
                if case .float(let x) = t { return (n, x) } else { return nil }
            }, uniquingKeysWith: { a, _ in a })
    }

    /// The metadata without the format, the checksum and the arithmetic: the caller's recipe.
    var recipe: [String: String] {
        let reserved: Set = ["format", SafeTensors.checksumKey, Self.arithmeticKey]
        return metadata.filter { !reserved.contains($0.key) }
    }

    /// The arithmetic the file was written under, when it names one.
    var arithmetic: String? { metadata[Self.arithmeticKey] }

    /// Tells `warn` when the file was written under other arithmetic than this process runs (its bits will differ
    /// from a straight run here).
    func noteArithmetic(_ warn: (String) -> Void) {
        if let note = Arithmetic.continuationNote(arithmetic, file: file) { warn(note) }
    }
}
