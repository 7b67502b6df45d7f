import MocoTensor

/// A batch of augmented views: `views[v]` is `[B, C, H, W]` for view `v` of the images
/// `indices` of the dataset.
public struct ViewBatch {
    public let indices: [Int]
    public let views: [Tensor]
}

/// Makes shuffled batches of augmented views (two for MoCo), as a `DataLoader` with
/// `shuffle=True, drop_last=True`.
///
/// Every draw is derived from `seed` by stream: the order of epoch `e` from
/// `shuffle/e`, and the augmentation of the image at position `p` of epoch `e` from its
/// own stream, so batches are identical whatever the thread count, and augmenting one batch
/// never shifts another. Images of a batch are augmented in parallel.
public struct ViewLoader {
    public let images: Tensor
    public let batchSize: Int
    /// One pipeline per view.
    public let pipelines: [any Augmentation]
    public let seed: RandomGenerator

    public init(images: Tensor, batchSize: Int, pipelines: [any Augmentation], seed: RandomGenerator) throws {
        guard images.rank == 4 else { throw TensorError("loader", "images must be [N, C, H, W], got \(images.shape)") }
        guard batchSize > 0, batchSize <= images.shape[0] else {
            throw TensorError("loader", "batch size \(batchSize) must be between 1 and the \(images.shape[0]) images")
        }
        guard !pipelines.isEmpty else { throw TensorError("loader", "needs at least one augmentation pipeline") }
        (self.images, self.batchSize, self.pipelines, self.seed) = (images, batchSize, pipelines, seed)
    }

    /// The same loader drawing from another seed (to restore a checkpoint's data streams).
    public func withSeed(_ seed: RandomGenerator) -> ViewLoader {
        ViewLoader(images: images, batchSize: batchSize, pipelines: pipelines, validatedSeed: seed)
    }

    private init(images: Tensor, batchSize: Int, pipelines: [any Augmentation], validatedSeed seed: RandomGenerator) {
        (self.images, self.batchSize, self.pipelines, self.seed) = (images, batchSize, pipelines, seed)
    }

    /// Full batches per epoch (the remainder is dropped).
    public var batchesPerEpoch: Int { images.shape[0] / batchSize }

    /// The image order of `epoch`.
    public func order(epoch: Int) -> [Int] {
        var r = seed.stream("shuffle").stream(UInt64(epoch))
        return r.permutation(images.shape[0])
    }

    /// Batch `index` of `epoch`, given that epoch's `order`.
    public func batch(epoch: Int, index: Int, order: [Int]) throws -> ViewBatch {
        guard index >= 0, index < batchesPerEpoch else {
            throw TensorError("loader", "batch \(index) is out of range for \(batchesPerEpoch) batches")
        }
        let idx = Array(order[(index * batchSize)..<((index + 1) * batchSize)])
        let augment = seed.stream("augment").stream(UInt64(epoch))
        var views: [Tensor] = []
        for (v, pipeline) in pipelines.enumerated() {
            var out = [Image?](repeating: nil, count: idx.count)
            out.withUnsafeMutableBufferPointer { buffer in
                let slots = buffer.baseAddress!
                Threads.parallelFor(idx.count) { r in
                    for i in r {
                        var rng = augment.stream(UInt64((index * batchSize + i) * pipelines.count + v))
                        var image = Image(images, index: idx[i])
                        pipeline.apply(&image, using: &rng)
                        slots[i] = image
                    }
                }
            }
            let first = out[0]!
            for image in out where image!.channels != first.channels || image!.height != first.height || image!.width != first.width {
                throw TensorError("loader", "the augmentations of view \(v) give images of different sizes")
            }
            views.append(try Tensor(shape: [idx.count, first.channels, first.height, first.width],
                                    scalars: out.flatMap { $0!.pixels }))
        }
        return ViewBatch(indices: idx, views: views)
    }
}
