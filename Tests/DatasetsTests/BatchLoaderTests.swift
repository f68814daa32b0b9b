import Datasets
import Testing

@Suite struct BatchLoaderTests {
    /// 50 images of 2x4x4 in 5 classes: batches of 16 give 16, 16, 16, 2.
    private let dataset = try! Dataset.synthetic(classes: 5, channels: 2, height: 4, width: 4, count: 50, seed: 4)

    private func loader(augmentation: Augmentation = .cifar, seed: UInt64 = 9) throws -> BatchLoader {
        try BatchLoader(
            dataset: dataset, batchSize: 16, normalization: Normalization.compute(from: dataset),
            augmentation: augmentation, seed: seed)
    }

    @Test func anEpochVisitsEveryImageOnceAndKeepsTheLastPartialBatch() throws {
        let loader = try loader()
        let batches = Array(loader.batches(epoch: 0))
        #expect(loader.batchesPerEpoch == 4)
        #expect(batches.map(\.count) == [16, 16, 16, 2])
        #expect(batches.map(\.index) == [0, 1, 2, 3])
        #expect(batches.flatMap(\.sampleIndices) == loader.order(epoch: 0))
        #expect(batches.flatMap(\.sampleIndices).sorted() == Array(0..<50))
        #expect(batches.flatMap(\.labels) == loader.order(epoch: 0).map { dataset.labels[$0] })
        #expect(
            batches.allSatisfy { $0.images.count == $0.count * 32 && ($0.channels, $0.height, $0.width) == (2, 4, 4) })
        #expect(loader.order(epoch: 0) != loader.order(epoch: 1))
        #expect(loader.order(epoch: 0) != Array(0..<50))
    }

    @Test func batchesHoldTheAugmentedNormalisedPixelsOfTheirSamples() throws {
        let loader = try loader()
        let batch = loader.batch(epoch: 3, index: 1)
        var expected = [Float](repeating: 0, count: batch.count * dataset.imageSize)
        expected.withUnsafeMutableBufferPointer { buffer in
            loader.assemble(
                sampleIndices: batch.sampleIndices, draws: loader.draws(epoch: 3, batch: 1, count: 16),
                into: buffer)
        }
        #expect(batch.images == expected)
        // Without augmentation every value is exactly the normalised pixel.
        let plain = try self.loader(augmentation: .none).batch(epoch: 3, index: 1)
        let statistics = Normalization.compute(from: dataset)
        let manual = plain.sampleIndices.flatMap { sample in
            dataset.image(at: sample).enumerated().map { offset, pixel in
                let channel = offset / 16
                return (Float(pixel) / 255 - statistics.mean[channel]) / statistics.std[channel]
            }
        }
        #expect(plain.images == manual)
    }

    @Test(arguments: [Augmentation.none, .cifar])
    func prefetchingYieldsExactlyTheSynchronousBatches(augmentation: Augmentation) throws {
        let loader = try loader(augmentation: augmentation)
        for epoch in 0..<3 {
            let prefetched = Array(loader.batches(epoch: epoch, prefetch: true))
            let synchronous = Array(loader.batches(epoch: epoch, prefetch: false))
            let direct = (0..<loader.batchesPerEpoch).map { loader.batch(epoch: epoch, index: $0) }
            #expect(prefetched == synchronous)
            #expect(prefetched == direct)
        }
    }

    @Test func resumingAtABatchReproducesTheRestOfTheEpoch() throws {
        let full = Array(try loader().batches(epoch: 5))
        // A new loader, as after a restart, resumed at epoch 5 batch 2.
        let resumed = Array(try loader().batches(epoch: 5, startingAt: 2))
        #expect(resumed == Array(full[2...]))
        #expect(Array(try loader().batches(epoch: 5, startingAt: 4)).isEmpty)
        #expect(Array(try loader(seed: 10).batches(epoch: 5)) != full)
    }

    @Test func abandoningAnEpochMidwayDoesNotBlock() throws {
        let loader = try loader()
        for _ in 0..<20 {
            let iterator = loader.batches(epoch: 0).makeIterator()
            #expect(iterator.next()?.index == 0)
        }
    }

    @Test func evaluationKeepsFileOrderWithoutAugmentation() throws {
        let statistics = Normalization.compute(from: dataset)
        let evaluation = try BatchLoader.evaluation(dataset: dataset, batchSize: 16, normalization: statistics)
        let batches = Array(evaluation.batches(epoch: 0))
        #expect(batches.flatMap(\.sampleIndices) == Array(0..<50))
        #expect(batches.last?.count == 2)
        let later = Array(evaluation.batches(epoch: 7))
        #expect(later.map(\.images) == batches.map(\.images))  // no epoch-dependent augmentation or order
        #expect(later.map(\.labels) == batches.map(\.labels))
    }

    @Test func nonPositiveBatchSizesAreRejected() {
        #expect(throws: DatasetError.self) {
            try BatchLoader(dataset: dataset, batchSize: 0, normalization: .unit(channels: 2))
        }
    }
}
