import Foundation
import MocoFuzzing
import Testing

/// The short, bounded fuzzing run of CI: each harness on its committed seeds, then on a fixed
/// number of mutated seeds (deterministic). A trap or a hang fails the suite; refusals are fine.
/// The long coverage-guided runs are `scripts/fuzz TARGET SECONDS` (see README, "Safety").
@Suite("Fuzz harnesses (short run)")
struct FuzzHarnessTests {
    static let seeds = Bundle.module.url(forResource: "Seeds", withExtension: nil)!

    @Test("every target has committed seeds")
    func seedsPresent() throws {
        for h in Harnesses.all {
            let seeds = try Campaign.seeds(in: Self.seeds.appendingPathComponent(h.name))
            #expect(!seeds.isEmpty, "\(h.name) has no seeds")
        }
    }

    @Test("the generated seeds are what SeedMaker makes now (regenerate: moco-fuzz seeds Tests/MocoFuzzingTests/Seeds)")
    func generatedSeedsCurrent() throws {
        for (target, files) in try SeedMaker.seeds() {
            for (name, data) in files {
                let committed = try Data(contentsOf: Self.seeds.appendingPathComponent("\(target)/\(name)"))
                if target == "checkpoint" {
                    // A checkpoint's bytes hold trained weights, whose last bits depend on the CPU's kernels and the
                    // thread count: what must match is its layout (names, types, shapes, offsets, metadata keys).
                    #expect(try Self.layout(committed) == Self.layout(data), "\(target)/\(name)")
                } else {
                    #expect(committed == data, "\(target)/\(name)")
                }
            }
        }
    }

    /// A safetensors file's header with the metadata's values left out: the part of a checkpoint that does not
    /// depend on the machine.
    static func layout(_ file: Data) throws -> NSDictionary {
        let bytes = [UInt8](file)
        try #require(bytes.count >= 8)
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try #require(length <= bytes.count - 8)
        var header = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let metadata = header["__metadata__"] as? [String: String] ?? [:]
        header["__metadata__"] = metadata.keys.sorted()
        return header as NSDictionary
    }

    @Test("seeds and 400 mutations each run without a trap", arguments: Harnesses.all.map(\.name))
    func shortRun(target: String) throws {
        let harness = try #require(Harnesses.named(target))
        let seeds = try Campaign.seeds(in: Self.seeds.appendingPathComponent(target))
        let executed = Campaign(harness: harness, seeds: seeds).run(runs: seeds.count + 400, seed: 2026)
        #expect(executed == seeds.count + 400)
    }
}
