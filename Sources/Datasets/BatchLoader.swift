import SeededRandom

/// One mini-batch, ready for the engine: normalised Float32 NCHW pixels and Int32 labels.
public struct Batch: Sendable, Equatable {
    /// The epoch this batch belongs to.
    public let epoch: Int
    /// Position of the batch within its epoch (0-based): with `epoch`, the training position to resume from.
    public let index: Int
    /// Normalised pixels, (count, channels, height, width).
    public let images: [Float]
    /// Class index per image.
    public let labels: [Int32]
    /// Index of each image in the loader's dataset (for per-sample records).
    public let sampleIndices: [Int]
    /// Channels per image.
    public let channels: Int
    /// Image height.
    public let height: Int
    /// Image width.
    public let width: Int

    /// Images in this batch (the last batch of an epoch may be smaller than the batch size).
    public var count: Int { labels.count }
}

/// Cuts a dataset into epochs of mini-batches. Everything a batch holds is a pure function of
/// (seed, epoch, batch index): the order is a seeded permutation per epoch and the augmentation draws are seeded
/// per batch, so a run resumed at (epoch, index) sees exactly the batches it would have seen, with or without
/// prefetching. The last partial batch is kept (PyTorch's `drop_last=False` default) for training and evaluation.
public struct BatchLoader: Sendable {
    /// The images batched.
    public let dataset: Dataset
    /// Images per batch (the last batch of an epoch may hold fewer).
    public let batchSize: Int
    /// Statistics applied to every pixel.
    public let normalization: Normalization
    /// Random crop / flip applied per image (`.none` for evaluation).
    public let augmentation: Augmentation
    /// Whether each epoch visits the images in a fresh seeded order (false: file order).
    public let shuffle: Bool
    /// Base seed for orders and augmentation draws.
    public let seed: UInt64
    /// Height and width of the batches' images: the dataset's, or with a random-resized crop the size it resizes to.
    public let outputHeight: Int
    public let outputWidth: Int
    private let lookupTable: [Float]

    /// Creates a loader; fails on a non-positive batch size or statistics that do not fit the images.
    /// `outputSize` (default: the images' size) is only for `randomResizedCrop`, which resizes its crops to it.
    public init(
        dataset: Dataset, batchSize: Int, normalization: Normalization, augmentation: Augmentation = .none,
        shuffle: Bool = true, seed: UInt64 = 0, outputSize: (height: Int, width: Int)? = nil
    ) throws {
        guard batchSize > 0 else { throw DatasetError.invalidArgument("batch size must be positive, got \(batchSize)") }
        let output = outputSize ?? (dataset.height, dataset.width)
        guard augmentation.randomResizedCrop || output == (dataset.height, dataset.width) else {
            throw DatasetError.invalidArgument(
                "batches of \(output.width)x\(output.height) from \(dataset.width)x\(dataset.height) images need a random-resized crop"
            )
        }
        guard output.height > 0, output.width > 0 else {
            throw DatasetError.invalidArgument("output size \(output.width)x\(output.height) must be positive")
        }
        outputHeight = output.height
        outputWidth = output.width
        guard augmentation.padding <= min(dataset.height, dataset.width) else {
            throw DatasetError.invalidArgument(
                "augmentation padding \(augmentation.padding) exceeds the \(dataset.height)x\(dataset.width) image")
        }
        try normalization.validate(channels: dataset.channels)
        self.dataset = dataset
        self.batchSize = batchSize
        self.normalization = normalization
        self.augmentation = augmentation
        self.shuffle = shuffle
        self.seed = seed
        self.lookupTable = normalization.lookupTable()
    }

    /// An evaluation loader: file order, no augmentation, last partial batch kept.
    public static func evaluation(dataset: Dataset, batchSize: Int, normalization: Normalization) throws -> BatchLoader
    {
        try BatchLoader(dataset: dataset, batchSize: batchSize, normalization: normalization, shuffle: false)
    }

    /// Batches per epoch, counting the last partial one.
    public var batchesPerEpoch: Int { (dataset.count + batchSize - 1) / batchSize }

    /// The order in which epoch `epoch` visits the images.
    public func order(epoch: Int) -> [Int] {
        shuffle
            ? seededPermutation(count: dataset.count, seed: SplitMix64.mix(seed, UInt64(epoch), 0x4F52_4445_52))
            : Array(0..<dataset.count)
    }

    /// Batch `index` of epoch `epoch`, assembled synchronously on the calling thread.
    public func batch(epoch: Int, index: Int) -> Batch {
        batch(epoch: epoch, index: index, order: order(epoch: epoch))
    }

    /// The batches of epoch `epoch` from batch `startIndex` on (clamped to the epoch), each assembled on a
    /// background queue while the caller works on the previous one when `prefetch` is true.
    public func batches(epoch: Int, startingAt startIndex: Int = 0, prefetch: Bool = true) -> EpochBatches {
        EpochBatches(
            loader: self, epoch: epoch, startIndex: min(max(startIndex, 0), batchesPerEpoch),
            prefetch: prefetch)
    }

    /// Dataset indices of batch `index` given the epoch's `order`.
    func sampleIndices(batch index: Int, order: [Int]) -> [Int] {
        let start = index * batchSize
        return Array(order[start..<min(start + batchSize, order.count)])
    }

    /// Augmentation draws for each image of a batch, from a generator seeded by (seed, epoch, batch).
    public func draws(epoch: Int, batch index: Int, count: Int) -> [AugmentationDraw] {
        guard augmentation != .none else { return Array(repeating: .identity, count: count) }
        var generator = SplitMix64(seed: SplitMix64.mix(seed, UInt64(epoch), UInt64(index), 0x4155_474D))
        return (0..<count).map { _ in
            augmentation.draw(using: &generator, height: dataset.height, width: dataset.width)
        }
    }

    /// Floats per assembled image: channels * outputHeight * outputWidth.
    public var outputImageSize: Int { dataset.channels * outputHeight * outputWidth }

    /// Writes the images at `sampleIndices`, augmented by `draws`, normalised, into `output`
    /// (sampleIndices.count * `outputImageSize` floats) — for callers that own their buffers.
    public func assemble(
        sampleIndices: [Int], draws: [AugmentationDraw], into output: UnsafeMutableBufferPointer<Float>
    ) {
        let size = dataset.imageSize
        let outSize = outputImageSize
        precondition(
            draws.count == sampleIndices.count && output.count >= sampleIndices.count * outSize,
            "assemble: \(sampleIndices.count) images, \(draws.count) draws, \(output.count) floats")
        dataset.images.withUnsafeBufferPointer { pixels in
            lookupTable.withUnsafeBufferPointer { table in
                for (row, sample) in sampleIndices.enumerated() {
                    let source = UnsafeBufferPointer(rebasing: pixels[sample * size..<(sample + 1) * size])
                    let target = UnsafeMutableBufferPointer(rebasing: output[row * outSize..<(row + 1) * outSize])
                    if draws[row].cropHeight > 0 {
                        writeResizedCrop(
                            source, channels: dataset.channels, height: dataset.height, width: dataset.width,
                            draw: draws[row], outputHeight: outputHeight, outputWidth: outputWidth, table: table,
                            into: target)
                    } else {
                        writeAugmentedImage(
                            source, channels: dataset.channels, height: dataset.height, width: dataset.width,
                            draw: draws[row], table: table, into: target)
                    }
                }
            }
        }
    }

    func batch(epoch: Int, index: Int, order: [Int]) -> Batch {
        let samples = sampleIndices(batch: index, order: order)
        let draws = draws(epoch: epoch, batch: index, count: samples.count)
        let images = [Float](unsafeUninitializedCapacity: samples.count * outputImageSize) { buffer, initialized in
            assemble(sampleIndices: samples, draws: draws, into: buffer)
            initialized = samples.count * outputImageSize
        }
        return Batch(
            epoch: epoch, index: index, images: images, labels: samples.map { dataset.labels[$0] },
            sampleIndices: samples, channels: dataset.channels, height: outputHeight, width: outputWidth)
    }
}
