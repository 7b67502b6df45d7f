import Foundation

/// A bounded fuzzing run of one harness without libFuzzer: every seed once, then mutated seeds
/// until the run count or the time is used up. A crash ends the process (that is the finding);
/// `current` names the input being tried so it can be written out first.
public struct Campaign {
    public let harness: Harness
    public let seeds: [[UInt8]]

    public init(harness: Harness, seeds: [[UInt8]]) {
        (self.harness, self.seeds) = (harness, seeds.isEmpty ? [[]] : seeds)
    }

    /// Runs up to `runs` inputs (seeds included) or for `seconds`, whichever ends first, calling
    /// `before` with each input; returns the number of inputs run.
    @discardableResult
    public func run(runs: Int, seconds: Double = .infinity, seed: UInt64 = 0, before: ([UInt8]) -> Void = { _ in })
        -> Int
    {
        let start = Date()
        var executed = 0
        for s in seeds where executed < runs {
            before(s)
            harness(Data(s))
            executed += 1
        }
        var mutator = Mutator(seed: seed, dictionary: harness.dictionary)
        while executed < runs && Date().timeIntervalSince(start) < seconds {
            let input = mutator.mutate(
                seeds[executed % seeds.count], other: seeds[(executed / seeds.count) % seeds.count])
            before(input)
            harness(Data(input))
            executed += 1
        }
        return executed
    }

    /// The seed files of `folder` (sorted by name), each at most `Mutator.maxLength` bytes.
    public static func seeds(in folder: URL) throws -> [[UInt8]] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted().map {
            Array(try Data(contentsOf: folder.appendingPathComponent($0)).prefix(Mutator.maxLength))
        }
    }
}
