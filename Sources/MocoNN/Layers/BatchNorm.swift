import MocoTensor

/// Batch normalisation (`torch.nn.BatchNorm1d` / `BatchNorm2d`): in train mode it
/// normalises with batch statistics and updates `running_mean` / `running_var`
/// (momentum 0.1, unbiased variance) and `num_batches_tracked`; in eval mode it uses the
/// running statistics. `affine: false` drops `weight` and `bias`.
public final class BatchNorm: ReLUFusing {
    /// Input ranks accepted: `[2, 3]` for 1-d, `[4]` for 2-d.
    public let ranks: [Int]
    public let weight: Parameter?
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVar: Buffer
    public let numBatchesTracked: Buffer
    public let momentum: Float
    public let eps: Float
    public var isTraining = true

    /// `BatchNorm2d(channels)`: inputs `[N, C, H, W]`.
    public static func twoD(_ channels: Int, affine: Bool = true, momentum: Float = 0.1, eps: Float = 1e-5) throws
        -> BatchNorm
    {
        try BatchNorm(channels, ranks: [4], affine: affine, momentum: momentum, eps: eps)
    }

    /// `BatchNorm1d(channels)`: inputs `[N, C]` or `[N, C, L]`.
    public static func oneD(_ channels: Int, affine: Bool = true, momentum: Float = 0.1, eps: Float = 1e-5) throws
        -> BatchNorm
    {
        try BatchNorm(channels, ranks: [2, 3], affine: affine, momentum: momentum, eps: eps)
    }

    init(_ channels: Int, ranks: [Int], affine: Bool, momentum: Float, eps: Float) throws {
        guard channels > 0 else { throw ModelError("BatchNorm", "needs a positive channel count, got \(channels)") }
        self.ranks = ranks
        weight = affine ? Parameter(try Tensor.ones([channels])) : nil
        bias = affine ? Parameter(try Tensor.zeros([channels])) : nil
        runningMean = Buffer(.float(try Tensor.zeros([channels])), constraint: .finite)
        runningVar = Buffer(.float(try Tensor.ones([channels])), constraint: .finiteNonNegative)
        numBatchesTracked = Buffer(.int64([0], shape: []), constraint: .nonNegative)
        (self.momentum, self.eps) = (momentum, eps)
    }

    private init(copying o: BatchNorm) {
        ranks = o.ranks
        weight = o.weight?.copy()
        bias = o.bias?.copy()
        runningMean = o.runningMean.copy()
        runningVar = o.runningVar.copy()
        numBatchesTracked = o.numBatchesTracked.copy()
        (momentum, eps, isTraining) = (o.momentum, o.eps, o.isTraining)
    }

    public var channels: Int { statistics.mean.count }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        (weight.map { [("weight", $0)] } ?? []) + (bias.map { [("bias", $0)] } ?? [])
    }

    public var ownBuffers: [(name: String, buffer: Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// The running statistics as the engine takes them.
    var statistics: BatchNormStatistics {
        get {
            guard case .float(let m) = runningMean.value, case .float(let v) = runningVar.value else {
                preconditionFailure("BatchNorm buffers hold float tensors by construction")
            }
            return BatchNormStatistics(mean: m, variance: v)
        }
        set {
            runningMean.value = .float(newValue.mean)
            runningVar.value = .float(newValue.variance)
        }
    }

    func countBatch() {
        if case .int64(let v, let s) = numBatchesTracked.value {
            numBatchesTracked.value = .int64([v[0] + 1], shape: s)
        }
    }

    func checkRank(_ x: Tensor) throws {
        guard ranks.contains(x.rank) else {
            let want = ranks == [4] ? "[N, C, H, W]" : "[N, C] or [N, C, L]"
            throw ModelError("BatchNorm", "expected input \(want), got \(x.shape)")
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try callAsFunction(x, relu: false) }

    public func callAsFunction(_ x: Tensor, relu: Bool, residual: Tensor? = nil) throws -> Tensor {
        try checkRank(x)
        if isTraining {
            var stats = statistics
            let y = try Tensor.batchNorm(
                x, weight: weight?.value, bias: bias?.value, running: &stats, momentum: momentum, eps: eps, relu: relu,
                residual: residual)
            statistics = stats
            countBatch()
            return y
        }
        return try Tensor.batchNorm(
            x, weight: weight?.value, bias: bias?.value, running: statistics, eps: eps, relu: relu, residual: residual)
    }

    public func copy() -> Self { Self(copying: self) }
}
