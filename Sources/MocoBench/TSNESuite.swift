import Foundation
import MocoData
import MocoTSNE
import MocoTensor

/// t-SNE against openTSNE and scikit-learn (run by `scripts/reference/tsne_ref.py` in a venv) on
/// the 1,797 digits, on 10,000 points of a fixed 10-class Gaussian mixture in 50-D (both against
/// scikit-learn's Barnes-Hut and openTSNE's Barnes-Hut and FFT), and on Fashion-MNIST's 70,000
/// images reduced to 50-D by PCA (against openTSNE's FFT: the others take many minutes there), all
/// on the same data in one run. Time, KL and trustworthiness(10) for each; the reference row is
/// the fastest. Every embedding's KL is also measured under moco's P with Q normalised exactly
/// (`*_kl_exact`), so that the two are compared by one yardstick.
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
    /// noise, `n / 10` points each (1,000 by default), drawn from a fixed seed.
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

    /// Fashion-MNIST's 60,000 training and 10,000 test images, reduced to 50 dimensions by PCA.
    static func fashion70k() throws -> Dataset {
        let (train, test) = try FashionMNIST.load()
        let pixels = train.images.scalars + test.images.scalars
        let n = train.count + test.count
        let reduced = try PCA.reduce(pixels, count: n, dimension: pixels.count / n, components: 50)
        return Dataset(name: "tsne-70k", points: reduced, labels: train.labels + test.labels, dimension: 50)
    }

    /// Barnes-Hut against interpolation on the mixture at 2,500 to 40,000 points (`--sizes crossover`):
    /// where `TSNE.interpolationThreshold` comes from. Rows `tsne-fft-vs-bh-N`: interpolation's seconds as
    /// "ours", Barnes-Hut's as the reference, with each one's exact KL.
    func crossover() throws -> [BenchRow] {
        try [2_500, 5_000, 10_000, 20_000, 40_000].map { n in
            let set = Self.mixture(count: n)
            var seconds: [TSNE.Method: Double] = [:]
            var kl: [TSNE.Method: Double] = [:]
            for method in [TSNE.Method.barnesHut, .interpolation] {
                var settings = TSNE()
                settings.method = method
                var result: TSNE.Result?
                seconds[method] = try MocoBench.seconds {
                    result = try settings.embed(set.points, count: n, dimension: set.dimension)
                }
                kl[method] = result!.divergence
            }
            let row = BenchRow(
                workload: "tsne-fft-vs-bh-\(n)", unit: "s", ours: seconds[.interpolation]!,
                reference: seconds[.barnesHut]!, referenceName: "Barnes-Hut (theta 0.5)", higherIsBetter: false,
                extra: ["fft_kl": kl[.interpolation]!, "bh_kl": kl[.barnesHut]!])
            log(row.line)
            return row
        }
    }

    func run() throws -> [BenchRow] {
        if sizes == ["crossover"] { return try crossover() }
        var rows: [BenchRow] = []
        let sets = try [
            sizes.contains("digits") ? Self.digits() : nil, sizes.contains("10k") ? Self.mixture() : nil,
            sizes.contains("70k") ? Self.fashion70k() : nil
        ].compactMap { $0 }
        for set in sets {
            let start = DispatchTime.now().uptimeNanoseconds
            let ours = try TSNE().embed(set.points, count: set.count, dimension: set.dimension)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            log(String(format: "%@ ours: %.2f s", set.name, seconds))
            let (phases, p) = Self.phases(set)
            log(
                String(
                    format: "%@ ours: of which nearest neighbours %.2f s, affinities %.2f s", set.name,
                    phases.neighbours, phases.affinities))
            let trust = EmbeddingQuality.trustworthiness(
                original: set.points, dimension: set.dimension,
                embedding: ours.embedding, count: set.count, k: 10)
            let accuracy = EmbeddingQuality.knnAccuracy(embedding: ours.embedding, labels: set.labels, k: 10)
            log(
                String(
                    format: "%@ ours: KL %.4f, trustworthiness %.4f, 10-NN accuracy %.4f", set.name,
                    ours.divergence, trust, accuracy))
            var extra: [String: Double] = [
                "ours_kl": ours.divergence, "ours_trust": trust, "ours_knn": accuracy,
                "ours_kl_exact": TSNE.divergence(p, at: ours.embedding, method: .exact),
                "ours_neighbours_s": phases.neighbours, "ours_affinities_s": phases.affinities
            ]
            var reference = (name: "none", seconds: Double.nan)
            if let python {
                let methods = set.count > 20_000 ? "opentsne-fft" : "sklearn-bh,opentsne-bh,opentsne-fft"
                for r in try references(set, python: python, methods: methods) {
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
                        extra["reference_kl_exact"] = TSNE.divergence(p, at: r.embedding, method: .exact)
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
        let embedding: [Double]
    }

    /// The seconds that the exact nearest neighbours and then the affinities take on `set`
    /// (timed again, apart from the embedding, to show where its time goes), and the affinities.
    static func phases(_ set: Dataset) -> (seconds: (neighbours: Double, affinities: Double), p: Affinities) {
        let start = DispatchTime.now().uptimeNanoseconds
        let k = min(set.count - 1, 91)
        let neighbours = NearestNeighbors(points: set.points, count: set.count, dimension: set.dimension, k: k)
        let middle = DispatchTime.now().uptimeNanoseconds
        let p = Affinities(neighbors: neighbours, count: set.count, perplexity: 30)
        let end = DispatchTime.now().uptimeNanoseconds
        return ((Double(middle - start) / 1e9, Double(end - middle) / 1e9), p)
    }

    /// Runs the Python references `methods` (comma-separated names of tsne_ref.py) on `set`
    /// (written as raw float32) and scores their embeddings.
    func references(_ set: Dataset, python: String, methods: String) throws -> [Reference] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-tsne-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("points.f32")
        try set.points.withUnsafeBytes { Data($0) }.write(to: input)
        let child = try spawn(python, [script, input.path, String(set.count), String(set.dimension), dir.path, methods])
        guard child.status == 0 else { throw BenchFailure("\(script) failed (exit \(child.status))") }
        var results: [Reference] = []
        for line in String(decoding: child.output, as: UTF8.self).split(separator: "\n") {
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
            results.append(
                Reference(name: name, seconds: seconds, kl: kl, trust: trust, accuracy: accuracy, embedding: embedding))
        }
        return results
    }
}
