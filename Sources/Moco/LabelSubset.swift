import MocoData
import MocoTensor

/// Few-label subsets for fine-tuning, as semi-supervised evaluations draw them.
public enum LabelSubset {
    /// The indices (ascending) of a stratified, seeded subset of `labels`: from each class, `fraction` of its images
    /// rounded to the nearest whole number and at least one, drawn by a generator of `seed` and the class alone,
    /// so the same seed gives the same subset and a class's draw does not depend on the others.
    public static func stratified(labels: [Int], fraction: Double, seed: UInt64) throws -> [Int] {
        guard fraction > 0, fraction <= 1 else {
            throw MoCoError("labels", "the label fraction must be in (0, 1], got \(fraction)")
        }
        var byClass: [Int: [Int]] = [:]
        for (i, label) in labels.enumerated() { byClass[label, default: []].append(i) }
        let root = RandomGenerator(seed: seed).stream("labels")
        var chosen: [Int] = []
        for (label, members) in byClass {
            let keep = min(members.count, max(1, Int((fraction * Double(members.count)).rounded())))
            var rng = root.stream(UInt64(bitPattern: Int64(label)))
            chosen += rng.permutation(members.count).prefix(keep).map { members[$0] }
        }
        return chosen.sorted()
    }
}
