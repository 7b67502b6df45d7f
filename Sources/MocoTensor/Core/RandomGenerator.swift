import Foundation

/// The engine's one random number generator: xoshiro256** (Blackman & Vigna, 2018),
/// seeded through SplitMix64.
///
/// Streams are splittable: `stream(_:)` derives an independent generator from this
/// generator's seed and a stream id or name, without drawing from (or perturbing)
/// this generator. Data loading, augmentation and initialisation each take their
/// own stream, so adding a draw to one never shifts the others.
///
/// - Uniform floats use the top 24 bits of a draw: `k * 2^-24` with `k` in `0..<2^24`.
/// - Normal floats use the Box-Muller transform in double precision; the second
///   value of each pair is kept for the next call (it is part of the state).
public struct RandomGenerator: Sendable, Equatable {
    /// The seed this generator was created from.
    public let seed: UInt64
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    /// A generator for `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var sm = seed
        s = (Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm))
        spareNormal = nil
    }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool {
        a.seed == b.seed && a.s == b.s && a.spareNormal == b.spareNormal
    }

    /// An independent generator for stream `id`, derived from this generator's seed.
    public func stream(_ id: UInt64) -> RandomGenerator {
        var a = id &+ 0x9E37_79B9_7F4A_7C15
        var b = seed ^ Self.splitMix(&a)
        return RandomGenerator(seed: Self.splitMix(&b))
    }

    /// An independent generator for the stream named `name` (FNV-1a hash of its UTF-8 bytes).
    public func stream(_ name: String) -> RandomGenerator {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return stream(h)
    }

    /// The full state, for checkpoints: seed, the four xoshiro words, and the spare normal.
    public var state: [UInt64] {
        [seed, s.0, s.1, s.2, s.3, spareNormal.map { $0.bitPattern } ?? 0, spareNormal == nil ? 0 : 1]
    }

    /// Restores a generator from `state`; nil when the array is not a saved state.
    public init?(state: [UInt64]) {
        guard state.count == 7, state[6] <= 1, state[1] | state[2] | state[3] | state[4] != 0 else { return nil }
        seed = state[0]
        s = (state[1], state[2], state[3], state[4])
        spareNormal = state[6] == 1 ? Double(bitPattern: state[5]) : nil
    }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// A uniform float in `[0, 1)`.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform double in `[0, 1)`.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform float in `[low, high)`.
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextFloat()
    }

    /// A uniform integer in `0..<bound` (Lemire's unbiased method). `bound` must be positive.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// A standard normal draw.
    public mutating func nextNormal() -> Double {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        var u1 = nextDouble()
        while u1 == 0 { u1 = nextDouble() }
        let u2 = nextDouble()
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * sin(theta)
        return r * cos(theta)
    }

    /// A random permutation of `0..<n` (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }
}
