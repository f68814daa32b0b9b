import Datasets
import SeededRandom
import Testing

/// Loader over a single 1x2x3 image with pixels 1...6, normalised as pixel / 255.
private func tinyLoader(normalization: Normalization = .unit(channels: 1)) throws -> BatchLoader {
    let dataset = try Dataset(
        images: [1, 2, 3, 4, 5, 6], labels: [0], classNames: ["only"],
        channels: 1, height: 2, width: 3)
    return try BatchLoader(dataset: dataset, batchSize: 1, normalization: normalization, shuffle: false)
}

/// Runs `assemble` for one image and one draw.
private func assembled(_ loader: BatchLoader, _ draw: AugmentationDraw) -> [Float] {
    var output = [Float](repeating: .nan, count: loader.dataset.imageSize)
    output.withUnsafeMutableBufferPointer { loader.assemble(sampleIndices: [0], draws: [draw], into: $0) }
    return output
}

@Suite struct AugmentationTests {
    @Test func cropOffsetsCoverExactlyThePaddedRangeAndFlipIsBalanced() {
        var generator = SplitMix64(seed: 11)
        let draws = (0..<4000).map { _ in Augmentation.cifar.draw(using: &generator) }
        #expect(Set(draws.map(\.offsetY)) == Set(0...8))
        #expect(Set(draws.map(\.offsetX)) == Set(0...8))
        let flips = draws.filter(\.flip).count
        #expect(flips > 1800 && flips < 2200)
        let mnistDraws = (0..<500).map { _ in Augmentation.mnist.draw(using: &generator) }
        #expect(mnistDraws.allSatisfy { !$0.flip && (0...8).contains($0.offsetX) && (0...8).contains($0.offsetY) })
        #expect(Augmentation.none.draw(using: &generator) == .identity)
    }

    @Test func identityAndFlipOnAKnownImage() throws {
        let loader = try tinyLoader()
        let scaled = { (values: [Float]) in values.map { $0 / 255 } }
        #expect(assembled(loader, .identity) == scaled([1, 2, 3, 4, 5, 6]))
        #expect(
            assembled(loader, AugmentationDraw(offsetY: 0, offsetX: 0, flip: true, padding: 0))
                == scaled([3, 2, 1, 6, 5, 4]))
        // Centred crop of the padded image is the image itself.
        #expect(
            assembled(loader, AugmentationDraw(offsetY: 1, offsetX: 1, flip: false, padding: 1))
                == scaled([1, 2, 3, 4, 5, 6]))
    }

    @Test func shiftedCropsFillWithTheNormalisedZeroPixel() throws {
        let loader = try tinyLoader(normalization: Normalization(mean: [0.5], std: [0.25]))
        let value = { (pixel: Float) in (pixel / 255 - 0.5) / 0.25 }
        let pad = value(0)
        #expect(pad == -2)
        // Crop at (0, 2) of the 1-padded image: output (y, x) = image (y - 1, x + 1).
        #expect(
            assembled(loader, AugmentationDraw(offsetY: 0, offsetX: 2, flip: false, padding: 1))
                == [pad, pad, pad, value(2), value(3), pad])
        // Same crop, then mirrored (torchvision crops first, flips second).
        #expect(
            assembled(loader, AugmentationDraw(offsetY: 0, offsetX: 2, flip: true, padding: 1))
                == [pad, pad, pad, pad, value(3), value(2)])
        // Crop at (0, 0) of the 2-padded image: output row y reads image row y - 2, always above a 2-row image.
        #expect(
            assembled(loader, AugmentationDraw(offsetY: 0, offsetX: 0, flip: false, padding: 2))
                == [pad, pad, pad, pad, pad, pad])
    }

    @Test func drawsArePerBatchDeterministicAndVaryAcrossBatches() throws {
        let dataset = try Dataset.synthetic(classes: 2, channels: 3, height: 8, width: 8, count: 64)
        let loader = try BatchLoader(
            dataset: dataset, batchSize: 16, normalization: .unit(channels: 3),
            augmentation: .cifar, seed: 3)
        #expect(loader.draws(epoch: 1, batch: 2, count: 16) == loader.draws(epoch: 1, batch: 2, count: 16))
        #expect(loader.draws(epoch: 1, batch: 2, count: 16) != loader.draws(epoch: 1, batch: 3, count: 16))
        #expect(loader.draws(epoch: 1, batch: 2, count: 16) != loader.draws(epoch: 2, batch: 2, count: 16))
        let draws = loader.draws(epoch: 0, batch: 0, count: 16)
        #expect(Set(draws.map(\.offsetX)).count > 1)
    }

    @Test func paddingLargerThanTheImageIsRejected() throws {
        let dataset = try Dataset.synthetic(classes: 2, channels: 1, height: 3, width: 3, count: 4)
        #expect(throws: DatasetError.self) {
            try BatchLoader(
                dataset: dataset, batchSize: 2, normalization: .unit(channels: 1),
                augmentation: Augmentation(padding: 4, horizontalFlip: false))
        }
    }
}
