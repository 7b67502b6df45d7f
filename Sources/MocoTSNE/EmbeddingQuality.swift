/// How well an embedding keeps the structure of the data.
public enum EmbeddingQuality {
    /// Trustworthiness (Venna and Kaski; scikit-learn's definition): 1 minus a penalty for
    /// each of the `k` nearest neighbours in the embedding that is not among the `k` nearest in
    /// the original space, proportional to how far down the original ranking it is.
    ///
    /// Original-space distances come from `DistanceBlocks` (blocked `cblas_sgemm`), in parallel over
    /// blocks of rows; ranks count the points strictly closer (ties by index).
    public static func trustworthiness(original: [Float], dimension d: Int, embedding: [Double], count n: Int, k: Int)
        -> Double
    {
        precondition(k < n / 2 && original.count == n * d)
        let embedded = NearestNeighbors(points: embedding.map(Float.init), count: n, dimension: 2, k: k)
        var penalties = [Double](repeating: 0, count: DistanceBlocks.count(n))
        original.withUnsafeBufferPointer { x in
            penalties.withUnsafeMutableBufferPointer { out in
                let out = out
                DistanceBlocks.forEach(x, count: n, dimension: d) { block, first, rows, d2 in
                    var threshold = [Float](repeating: 0, count: k)
                    var target = [Int](repeating: 0, count: k)
                    var rank = [Int](repeating: 0, count: k)
                    var penalty = 0.0
                    for r in 0..<rows {
                        let i = first + r
                        let row = d2 + r * n
                        for s in 0..<k {
                            target[s] = Int(embedded.indices[i * k + s])
                            threshold[s] = row[target[s]]
                            rank[s] = 1
                        }
                        let farthest = threshold.max()!
                        for m in 0..<n where m != i && row[m] <= farthest {
                            for s in 0..<k where row[m] < threshold[s] || (row[m] == threshold[s] && m < target[s]) {
                                rank[s] += 1
                            }
                        }
                        for s in 0..<k where rank[s] > k { penalty += Double(rank[s] - k) }
                    }
                    out[block] = penalty
                }
            }
        }
        let penalty = penalties.reduce(0, +)
        let nn = Double(n)
        let kk = Double(k)
        return 1 - 2 / (nn * kk * (2 * nn - 3 * kk - 1)) * penalty
    }

    /// Leave-one-out accuracy of a majority vote among the `k` nearest neighbours in the
    /// embedding (ties to the smallest label).
    public static func knnAccuracy(embedding: [Double], labels: [Int], k: Int) -> Double {
        let n = labels.count
        let nn = NearestNeighbors(points: embedding.map(Float.init), count: n, dimension: 2, k: k)
        let classes = (labels.max() ?? 0) + 1
        var correct = 0
        var votes = [Int](repeating: 0, count: classes)
        for i in 0..<n {
            for c in 0..<classes { votes[c] = 0 }
            for s in 0..<k { votes[labels[Int(nn.indices[i * k + s])]] += 1 }
            var best = 0
            for c in 1..<classes where votes[c] > votes[best] { best = c }
            if best == labels[i] { correct += 1 }
        }
        return Double(correct) / Double(n)
    }
}
