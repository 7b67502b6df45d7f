/// How well an embedding keeps the structure of the data.
public enum EmbeddingQuality {
    /// Trustworthiness (Venna and Kaski; scikit-learn's definition): 1 minus a penalty for
    /// each of the `k` nearest neighbours in the embedding that is not among the `k` nearest in
    /// the original space, proportional to how far down the original ranking it is.
    public static func trustworthiness(original: [Float], dimension d: Int, embedding: [Double], count n: Int, k: Int)
        -> Double
    {
        precondition(k < n / 2)
        let embedded = NearestNeighbors(points: embedding.map(Float.init), count: n, dimension: 2, k: k)
        var penalty = 0.0
        var row = [Float](repeating: 0, count: n)
        for i in 0..<n {
            // Squared distances from i in the original space; rank of j = points strictly closer (ties by index) + 1.
            for j in 0..<n {
                var s: Float = 0
                for c in 0..<d {
                    let t = original[i * d + c] - original[j * d + c]
                    s += t * t
                }
                row[j] = s
            }
            for s in 0..<k {
                let j = Int(embedded.indices[i * k + s])
                var rank = 0
                for m in 0..<n where m != i && (row[m] < row[j] || (row[m] == row[j] && m < j)) { rank += 1 }
                rank += 1
                if rank > k { penalty += Double(rank - k) }
            }
        }
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
