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
            // A checkpoint's bytes hold trained weights, whose last bits depend on the machine's
            // BLAS and thread count; its seed is regenerated only when its format changes.
            for (name, data) in files where target != "checkpoint" {
                let committed = try Data(contentsOf: Self.seeds.appendingPathComponent("\(target)/\(name)"))
                #expect(committed == data, "\(target)/\(name)")
            }
        }
    }

    @Test("seeds and 400 mutations each run without a trap", arguments: Harnesses.all.map(\.name))
    func shortRun(target: String) throws {
        let harness = try #require(Harnesses.named(target))
        let seeds = try Campaign.seeds(in: Self.seeds.appendingPathComponent(target))
        let executed = Campaign(harness: harness, seeds: seeds).run(runs: seeds.count + 400, seed: 2026)
        #expect(executed == seeds.count + 400)
    }
}
