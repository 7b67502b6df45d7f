import Foundation
import MocoTensor

/// A batch of augmented views: `views[v]` is `[B, C, H, W]` for view `v` of the images
/// `indices` of the dataset.
public struct ViewBatch: Sendable {
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
public struct ViewLoader: Sendable {
    public let images: Tensor
    public let batchSize: Int
    /// One pipeline per view.
    public let pipelines: [any Augmentation]
    public let seed: RandomGenerator

    public init(images: Tensor, batchSize: Int, pipelines: [any Augmentation], seed: RandomGenerator) throws {
        guard images.rank == 4 else {
            throw PipelineError("loader", "images must be [N, C, H, W], got \(images.shape)")
        }
        guard batchSize > 0, batchSize <= images.shape[0] else {
            throw PipelineError("loader", "batch size \(batchSize) must be between 1 and the \(images.shape[0]) images")
        }
        guard !pipelines.isEmpty else { throw PipelineError("loader", "needs at least one augmentation pipeline") }
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

    /// Batch `index` of `epoch`, given that epoch's `order`. With `parallel` the images are
    /// augmented on the engine's threads; without, on the calling thread only (for prefetching
    /// beside training). The result is the same either way.
    public func batch(epoch: Int, index: Int, order: [Int], parallel: Bool = true) throws -> ViewBatch {
        guard index >= 0, index < batchesPerEpoch else {
            throw PipelineError("loader", "batch \(index) is out of range for \(batchesPerEpoch) batches")
        }
        let idx = Array(order[(index * batchSize)..<((index + 1) * batchSize)])
        let augment = seed.stream("augment").stream(UInt64(epoch))
        var views: [Tensor] = []
        for (v, pipeline) in pipelines.enumerated() {
            var out = [Image?](repeating: nil, count: idx.count)
            out.withUnsafeMutableBufferPointer { buffer in
                let slots = buffer.baseAddress!
                let work = { (r: Range<Int>) in
                    for i in r {
                        var rng = augment.stream(UInt64((index * batchSize + i) * pipelines.count + v))
                        var image = Image(images, index: idx[i])
                        pipeline.apply(&image, using: &rng)
                        slots[i] = image
                    }
                }
                if parallel { Threads.parallelFor(idx.count, work) } else { work(0..<idx.count) }
            }
            let first = out[0]!
            for image in out
            where image!.channels != first.channels || image!.height != first.height || image!.width != first.width {
                throw PipelineError("loader", "the augmentations of view \(v) give images of different sizes")
            }
            views.append(
                try Tensor(
                    shape: [idx.count, first.channels, first.height, first.width],
                    scalars: out.flatMap { $0!.pixels }))
        }
        return ViewBatch(indices: idx, views: views)
    }
}

/// Makes the batches of one epoch one step ahead on a background thread, so augmentation
/// overlaps with training. The batches are those of `ViewLoader.batch`, whatever the timing.
public final class Prefetcher {
    /// One batch being made; only its own thread writes `result`, before leaving `done`.
    private final class Job: @unchecked Sendable {
        let index: Int
        let done = DispatchGroup()
        var result: Result<ViewBatch, Error>?
        init(_ index: Int) { self.index = index }
    }

    private let loader: ViewLoader
    private let epoch: Int
    private let order: [Int]
    private let queue = DispatchQueue(label: "moco.prefetch")
    private var next: Job?

    public init(_ loader: ViewLoader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        order = loader.order(epoch: epoch)
    }

    /// Batch `index`; starts making batch `index + 1` before returning.
    public func batch(_ index: Int) throws -> ViewBatch {
        let job = next
        next = nil
        job?.done.wait()
        let batch: ViewBatch
        if let job, job.index == index, let r = job.result {
            batch = try r.get()
        } else {
            batch = try loader.batch(epoch: epoch, index: index, order: order)
        }
        if index + 1 < loader.batchesPerEpoch { start(index + 1) }
        return batch
    }

    private func start(_ index: Int) {
        let job = Job(index)
        next = job
        job.done.enter()
        queue.async { [loader, epoch, order] in
            job.result = Result { try loader.batch(epoch: epoch, index: index, order: order, parallel: false) }
            job.done.leave()
        }
    }

    /// Waits for any batch in flight (so nothing runs after training stops).
    public func finish() {
        next?.done.wait()
        next = nil
    }
}
