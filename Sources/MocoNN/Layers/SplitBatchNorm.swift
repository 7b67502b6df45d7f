import MocoTensor

/// Batch norm over `splits` interleaved sub-batches, the single-device emulation of
/// MoCo's shuffle-BN used by the CIFAR-10 MoCo demo: in train mode sample `n` is
/// normalised with the statistics of the samples `n' ≡ n (mod splits)`, each split
/// updates its own copy of the running statistics, and the copies are averaged. Eval
/// mode is plain batch norm. State-dict keys are those of `BatchNorm2d`.
public final class SplitBatchNorm: ReLUFusing {
    public let norm: BatchNorm
    public let splits: Int
    public var isTraining: Bool {
        get { norm.isTraining }
        set { norm.isTraining = newValue }
    }

    public init(_ channels: Int, splits: Int, momentum: Float = 0.1, eps: Float = 1e-5) throws {
        guard splits > 0 else { throw ModelError("SplitBatchNorm", "needs a positive number of splits, got \(splits)") }
        norm = try BatchNorm.twoD(channels, momentum: momentum, eps: eps)
        self.splits = splits
    }

    private init(copying o: SplitBatchNorm) {
        norm = o.norm.copy()
        splits = o.splits
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { norm.ownParameters }
    public var ownBuffers: [(name: String, buffer: Buffer)] { norm.ownBuffers }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try callAsFunction(x, relu: false) }

    public func callAsFunction(_ x: Tensor, relu: Bool, residual: Tensor? = nil) throws -> Tensor {
        guard isTraining, splits > 1 else { return try norm(x, relu: relu, residual: residual) }
        try norm.checkRank(x)
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard n % splits == 0 else {
            throw ModelError("SplitBatchNorm", "batch of \(n) cannot be split into \(splits) equal parts")
        }
        func repeated(_ t: Tensor) throws -> Tensor { try Tensor.concat(Array(repeating: t, count: splits)) }
        let stats = norm.statistics
        var split = BatchNormStatistics(mean: try repeated(stats.mean), variance: try repeated(stats.variance))
        let y = try Tensor.batchNorm(
            x.reshaped([n / splits, c * splits, h, w]),
            weight: norm.weight.map { try repeated($0.value) }, bias: norm.bias.map { try repeated($0.value) },
            running: &split, momentum: norm.momentum, eps: norm.eps, relu: relu,
            residual: residual?.reshaped([n / splits, c * splits, h, w]))
        norm.statistics = BatchNormStatistics(
            mean: try split.mean.reshaped([splits, c]).mean(axes: [0]),
            variance: try split.variance.reshaped([splits, c]).mean(axes: [0]))
        norm.countBatch()
        return try y.reshaped([n, c, h, w])
    }

    public func copy() -> Self { Self(copying: self) }
}
