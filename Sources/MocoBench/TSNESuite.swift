import Foundation
import MocoData
import MocoTSNE
import MocoTensor

/// t-SNE against openTSNE and scikit-learn (Barnes-Hut, run by `scripts/reference/tsne_ref.py`
/// in a venv) on the 1,797 digits and on 10,000 points of a fixed 10-class Gaussian mixture in
/// 50-D, all on the same data in one run. Time, KL and trustworthiness(10) for each; the
/// reference row is the faster of the two.
struct TSNESuite {
    let python: String?
    let script: String
    let sizes: [String]
    let log: (String) -> Void

    struct Dataset {
        let name: String
        let points: [Float]
        let labels: [Int]
        let dimension: Int
        var count: Int { labels.count }
    }

    static func digits() throws -> Dataset {
        let all = try Digits.loadAll()
        return Dataset(name: "tsne-digits", points: all.images.scalars, labels: all.labels, dimension: 64)
    }

    /// Ten Gaussian clusters in 50-D: centres with standard deviation 3 per coordinate, unit
    /// noise, 1,000 points each, drawn from a fixed seed.
    static func mixture(count n: Int = 10_000, dimension d: Int = 50) -> Dataset {
        var rng = RandomGenerator(seed: 2026)
        let centres = (0..<(10 * d)).map { _ in Float(rng.nextNormal() * 3) }
        var points = [Float](repeating: 0, count: n * d)
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            labels[i] = i % 10
            for c in 0..<d { points[i * d + c] = centres[labels[i] * d + c] + Float(rng.nextNormal()) }
        }
        return Dataset(name: "tsne-10k", points: points, labels: labels, dimension: d)
    }

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        let sets = try [sizes.contains("digits") ? Self.digits() : nil, sizes.contains("10k") ? Self.mixture() : nil]
            .compactMap { $0 }
        for set in sets {
            let start = DispatchTime.now().uptimeNanoseconds
            let ours = try TSNE().embed(set.points, count: set.count, dimension: set.dimension)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let trust = EmbeddingQuality.trustworthiness(
                original: set.points, dimension: set.dimension,
                embedding: ours.embedding, count: set.count, k: 10)
            let accuracy = EmbeddingQuality.knnAccuracy(embedding: ours.embedding, labels: set.labels, k: 10)
            log(
                String(
                    format: "%@ ours: %.2f s, KL %.4f, trustworthiness %.4f, 10-NN accuracy %.4f", set.name, seconds,
                    ours.divergence, trust, accuracy))
            var extra: [String: Double] = ["ours_kl": ours.divergence, "ours_trust": trust, "ours_knn": accuracy]
            var reference = (name: "none", seconds: Double.nan)
            if let python {
                for r in try references(set, python: python) {
                    log(
                        String(
                            format: "%@ %@: %.2f s, KL %.4f, trustworthiness %.4f, 10-NN accuracy %.4f", set.name,
                            r.name,
                            r.seconds, r.kl, r.trust, r.accuracy))
                    if reference.name == "none" || r.seconds < reference.seconds {
                        reference = (r.name, r.seconds)
                        (extra["reference_kl"], extra["reference_trust"], extra["reference_knn"]) = (
                            r.kl, r.trust, r.accuracy
                        )
                    }
                }
            }
            rows.append(
                BenchRow(
                    workload: set.name, unit: "s", ours: seconds, reference: reference.seconds,
                    referenceName: reference.name, higherIsBetter: false, extra: extra))
        }
        return rows
    }

    struct Reference {
        let name: String
        let seconds, kl, trust, accuracy: Double
    }

    /// Runs the Python references on `set` (written as raw float32) and scores their embeddings.
    func references(_ set: Dataset, python: String) throws -> [Reference] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-tsne-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("points.f32")
        try set.points.withUnsafeBytes { Data($0) }.write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, input.path, String(set.count), String(set.dimension), dir.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure("\(script) failed (exit \(process.terminationStatus))")
        }
        var results: [Reference] = []
        for line in String(decoding: out, as: UTF8.self).split(separator: "\n") {
            // "name seconds kl": the embedding is in DIR/name.f64.
            let fields = line.split(separator: " ")
            guard fields.count == 3, let seconds = Double(fields[1]), let kl = Double(fields[2]) else { continue }
            let name = String(fields[0])
            let data = try Data(contentsOf: dir.appendingPathComponent("\(name).f64"))
            let embedding = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            let trust = EmbeddingQuality.trustworthiness(
                original: set.points, dimension: set.dimension, embedding: embedding,
                count: set.count, k: 10)
            let accuracy = EmbeddingQuality.knnAccuracy(embedding: embedding, labels: set.labels, k: 10)
            results.append(Reference(name: name, seconds: seconds, kl: kl, trust: trust, accuracy: accuracy))
        }
        return results
    }
}
