import MocoTensor

/// A bounded, deterministic mutation fuzzer's mutations (no coverage feedback): bit flips,
/// interesting values, inserted or erased runs, duplicated ranges, splices with another seed and
/// the harness's dictionary tokens. The same seed gives the same inputs.
public struct Mutator {
    /// Inputs never grow past this many bytes.
    public static let maxLength = 1 << 16
    private var rng: RandomGenerator
    private let dictionary: [[UInt8]]

    public init(seed: UInt64, dictionary: [[UInt8]]) {
        rng = RandomGenerator(seed: seed)
        self.dictionary = dictionary
    }

    /// `input` after one to four stacked mutations; `other` is spliced in by some of them.
    public mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + below(4)) { mutateOnce(&bytes, other: other) }
        if bytes.count > Self.maxLength { bytes.removeLast(bytes.count - Self.maxLength) }
        return bytes
    }

    private mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    private mutating func mutateOnce(_ b: inout [UInt8], other: [UInt8]) {
        let at = below(b.count + 1)
        switch below(9) {
        case 0 where !b.isEmpty: b[below(b.count)] ^= 1 << UInt8(below(8))
        case 1 where !b.isEmpty: b[below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 2 where !b.isEmpty:
            let values: [UInt8] = [0, 1, 0x7f, 0x80, 0xfe, 0xff]
            let width = [1, 2, 4, 8][below(4)]
            let start = below(b.count)
            for i in start..<min(start + width, b.count) { b[i] = values[below(values.count)] }
        case 3: b.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 4 where !b.isEmpty:
            let start = below(b.count)
            b.removeSubrange(start..<min(b.count, start + 1 + below(64)))
        case 5 where !b.isEmpty:
            let start = below(b.count)
            let end = min(b.count, start + 1 + below(256))
            b.insert(contentsOf: Array(b[start..<end]), at: below(b.count + 1))
        case 6 where !other.isEmpty:
            let start = below(other.count)
            let end = min(other.count, start + 1 + below(1024))
            b.insert(contentsOf: other[start..<end], at: at)
        case 7 where !dictionary.isEmpty: b.insert(contentsOf: dictionary[below(dictionary.count)], at: at)
        case 8 where !b.isEmpty && !dictionary.isEmpty:
            let token = dictionary[below(dictionary.count)]
            let start = below(b.count)
            b.replaceSubrange(start..<min(b.count, start + token.count), with: token)
        default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        }
    }
}
