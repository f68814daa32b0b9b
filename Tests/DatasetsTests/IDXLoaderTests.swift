import Datasets
import Foundation
import Testing

@Suite struct IDXLoaderTests {
    @Test(arguments: [false, true])
    func loadsTrainAndTestFilesGzippedOrNot(gzip: Bool) throws {
        try withTemporaryDirectory { directory in
            let train = try writeIDXPair(in: directory, prefix: "train", count: 12, gzip: gzip)
            let test = try writeIDXPair(in: directory, prefix: "t10k", count: 7, gzip: gzip)
            let loadedTrain = try DatasetKind.fashionMNIST.load(.train, root: directory)
            let loadedTest = try DatasetKind.fashionMNIST.load(.test, root: directory)
            #expect(loadedTrain.images == train.pixels)
            #expect(loadedTrain.labels == train.labels.map(Int32.init))
            #expect(loadedTest.images == test.pixels)
            #expect(loadedTest.count == 7)
            #expect((loadedTrain.channels, loadedTrain.height, loadedTrain.width) == (1, 5, 4))
            #expect(loadedTrain.classNames == ClassNames.fashionMNIST)
        }
    }

    @Test func mnistUsesDigitNames() throws {
        try withTemporaryDirectory { directory in
            try writeIDXPair(in: directory, prefix: "t10k", count: 3, gzip: false)
            #expect(try DatasetKind.mnist.load(.test, root: directory).classNames == (0..<10).map(String.init))
        }
    }

    @Test func missingFilesSayWhereAndHowToInstall() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: DatasetError.self) {
                try DatasetKind.fashionMNIST.load(.train, root: directory)
            }
            #expect(error?.description.contains(directory) == true)
            #expect(error?.description.contains("train-images-idx3-ubyte.gz") == true)
            #expect(error?.description.contains("apt-get install dataset-fashion-mnist") == true)
        }
    }

    @Test func missingLabelFileIsNamed() throws {
        try withTemporaryDirectory { directory in
            try writeIDXPair(in: directory, prefix: "train", count: 3, gzip: false)
            try FileManager.default.removeItem(atPath: join(directory, "train-labels-idx1-ubyte"))
            let error = #expect(throws: DatasetError.self) {
                try DatasetKind.fashionMNIST.load(.train, root: directory)
            }
            #expect(error?.description.contains("train-labels-idx1-ubyte") == true)
        }
    }

    @Test func wrongMagicIsRejected() throws {
        try withTemporaryDirectory { directory in
            let images = join(directory, "images")
            let labels = join(directory, "labels")
            try write(idxBytes(dimensions: [2], data: [0, 1]), to: images)  // a label file where images belong
            try write(idxBytes(dimensions: [2], data: [0, 1]), to: labels)
            let error = #expect(throws: DatasetError.self) {
                try Dataset.loadIDX(imagesPath: images, labelsPath: labels, classNames: ClassNames.mnist)
            }
            #expect(
                error?.description == "\(images): wrong IDX magic 00 00 08 01: expected 00 00 08 03 "
                    + "(unsigned bytes, 3 dimensions)")
        }
    }

    @Test(arguments: [3, 10, 4 + 12 + 19])
    func truncatedFilesAreRejected(keptBytes: Int) throws {
        try withTemporaryDirectory { directory in
            let images = join(directory, "images")
            let labels = join(directory, "labels")
            try write(
                Array(idxBytes(dimensions: [1, 5, 4], data: pixelPattern(count: 20, seed: 1)).prefix(keptBytes)),
                to: images)
            try write(idxBytes(dimensions: [1], data: [0]), to: labels)
            let error = #expect(throws: DatasetError.self) {
                try Dataset.loadIDX(imagesPath: images, labelsPath: labels, classNames: ClassNames.mnist)
            }
            #expect(error?.description.hasPrefix("\(images): truncated IDX") == true)
        }
    }

    @Test func absurdHeaderSizesAreRejectedNotTrapped() throws {
        try withTemporaryDirectory { directory in
            let images = join(directory, "images")
            let labels = join(directory, "labels")
            // Three dimensions of 2^32 - 1: their product overflows Int.
            try write([0, 0, 0x08, 3] + Array(repeating: 0xFF, count: 12) + [1, 2, 3], to: images)
            try write(idxBytes(dimensions: [1], data: [0]), to: labels)
            let error = #expect(throws: DatasetError.self) {
                try Dataset.loadIDX(imagesPath: images, labelsPath: labels, classNames: ClassNames.mnist)
            }
            #expect(error?.description.contains("truncated IDX data") == true)
        }
    }

    @Test func truncatedGzipIsRejected() throws {
        try withTemporaryDirectory { directory in
            try writeIDXPair(in: directory, prefix: "train", count: 50, gzip: true)
            let path = join(directory, "train-images-idx3-ubyte.gz")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            try write(Array(bytes.prefix(bytes.count / 2)), to: path)
            let error = #expect(throws: DatasetError.self) {
                try DatasetKind.fashionMNIST.load(.train, root: directory)
            }
            guard case .decompressionFailed(let failedPath, _)? = error else {
                Issue.record("expected decompressionFailed, got \(String(describing: error))")
                return
            }
            #expect(failedPath == path)
        }
    }

    /// `cat a.gz b.gz` is a valid gzip file of the two contents back to back; zlib must read past the first member.
    @Test func concatenatedGzipMembersAreReadInTurn() throws {
        try withTemporaryDirectory { directory in
            let pixels = pixelPattern(count: 4 * 5 * 4, seed: 9)
            let header = idxBytes(dimensions: [4, 5, 4], data: [])
            let first = join(directory, "first")
            let second = join(directory, "second")
            try write(header + Array(pixels.prefix(30)), to: first)
            try write(Array(pixels.dropFirst(30)), to: second)
            try gzipFile(first)
            try gzipFile(second)
            let joined =
                [UInt8](try Data(contentsOf: URL(fileURLWithPath: first + ".gz")))
                + [UInt8](try Data(contentsOf: URL(fileURLWithPath: second + ".gz")))
            try write(joined, to: join(directory, "train-images-idx3-ubyte.gz"))
            try write(idxBytes(dimensions: [4], data: [0, 1, 2, 3]), to: join(directory, "train-labels-idx1-ubyte"))
            let dataset = try DatasetKind.fashionMNIST.load(.train, root: directory)
            #expect(dataset.count == 4)
            #expect(dataset.images == pixels)
        }
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        try withTemporaryDirectory { directory in
            let images = join(directory, "images")
            let labels = join(directory, "labels")
            try write(idxBytes(dimensions: [3, 2, 2], data: pixelPattern(count: 12, seed: 2)), to: images)
            try write(idxBytes(dimensions: [2], data: [0, 1]), to: labels)
            let error = #expect(throws: DatasetError.self) {
                try Dataset.loadIDX(imagesPath: images, labelsPath: labels, classNames: ClassNames.mnist)
            }
            #expect(error == .countMismatch(imagesPath: images, images: 3, labelsPath: labels, labels: 2))
        }
    }

    @Test func labelsOutsideTheClassesAreRejected() throws {
        try withTemporaryDirectory { directory in
            let images = join(directory, "images")
            let labels = join(directory, "labels")
            try write(idxBytes(dimensions: [2, 2, 2], data: pixelPattern(count: 8, seed: 3)), to: images)
            try write(idxBytes(dimensions: [2], data: [9, 10]), to: labels)
            let error = #expect(throws: DatasetError.self) {
                try Dataset.loadIDX(imagesPath: images, labelsPath: labels, classNames: ClassNames.mnist)
            }
            #expect(error == .labelOutOfRange(path: labels, sample: 1, label: 10, classCount: 10))
        }
    }
}
