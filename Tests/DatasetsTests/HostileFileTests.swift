import Foundation
import Testing

@testable import Datasets

/// Data files that would exhaust memory or block are refused or read only as far as needed (issue 20).
@Suite struct HostileFileTests {
    /// A gzip IDX file whose header asks for 4 images of 5x4 followed by 64 MB of zeros: only the 80 bytes the header
    /// needs are inflated.
    @Test func gzipInflationStopsWhereTheHeaderSaysTheDataEnds() throws {
        try withTemporaryDirectory { directory in
            let pixels = pixelPattern(count: 4 * 5 * 4, seed: 3)
            let path = join(directory, "train-images-idx3-ubyte")
            try write(idxBytes(dimensions: [4, 5, 4], data: pixels) + [UInt8](repeating: 0, count: 64 << 20), to: path)
            try gzipFile(path)
            let inflated = try readDataFile(path + ".gz", needed: { idxFileSize(header: $0, rank: 3) })
            #expect(inflated.count == 16 + pixels.count)
            try write(idxBytes(dimensions: [4], data: [0, 1, 2, 3]), to: join(directory, "train-labels-idx1-ubyte"))
            let dataset = try DatasetKind.fashionMNIST.load(.train, root: directory)
            #expect(dataset.count == 4 && dataset.images == pixels)
        }
    }

    @Test func aFIFOOrADirectoryIsNamedNotOpened() throws {
        try withTemporaryDirectory { directory in
            let fifo = join(directory, "train-images-idx3-ubyte")
            #expect(mkfifo(fifo, 0o644) == 0)
            try write(idxBytes(dimensions: [1], data: [0]), to: join(directory, "train-labels-idx1-ubyte"))
            let error = #expect(throws: DatasetError.self) {
                try DatasetKind.fashionMNIST.load(.train, root: directory)
            }
            #expect("\(error!)".contains("FIFO") && "\(error!)".contains(fifo), "\(error!)")
            try FileManager.default.removeItem(atPath: fifo)
            try FileManager.default.createDirectory(atPath: fifo, withIntermediateDirectories: false)
            let directoryError = #expect(throws: DatasetError.self) {
                try DatasetKind.fashionMNIST.load(.train, root: directory)
            }
            #expect("\(directoryError!)".contains("is a directory"), "\(directoryError!)")
            #expect(!"\(directoryError!)".contains("NSCocoaErrorDomain"))
        }
    }

    @Test func hugeBatchSizesAreCutToTheDataset() throws {
        let dataset = try Dataset(
            images: [UInt8](repeating: 7, count: 3 * 4), labels: [0, 1, 0], classNames: ["a", "b"], channels: 1,
            height: 2, width: 2)
        let loader = try BatchLoader.evaluation(
            dataset: dataset, batchSize: Int.max, normalization: .unit(channels: 1))
        #expect(loader.batchSize == 3 && loader.batchesPerEpoch == 1)
    }
}

/// Inputs `make fuzz` found crashing, kept as regression tests (issue 20).
@Suite struct FuzzFindingTests {
    /// fuzz-idx: an IDX image header of 0 images of 4294967295 x 4294967295 pixels (a rank-3 file with trailing bytes)
    /// trapped on the overflowing image size in Dataset.init.
    static let idxZeroImagesOfHugeSide: [UInt8] = [
        0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x82, 0x00, 0x00, 0x00, 0xba, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ]

    @Test func anIDXHeaderWithHugeSidesIsRefusedNamingTheFile() throws {
        try withTemporaryDirectory { directory in
            let images = join(directory, "train-images-idx3-ubyte")
            try write(Self.idxZeroImagesOfHugeSide, to: images)
            try write(idxBytes(dimensions: [0], data: []), to: join(directory, "train-labels-idx1-ubyte"))
            let error = #expect(throws: DatasetError.self) {
                try DatasetKind.fashionMNIST.load(.train, root: directory)
            }
            #expect("\(error!)".contains(images) && "\(error!)".contains("pixels a side"), "\(error!)")
        }
        #expect(throws: DatasetError.self) {
            try Dataset(
                images: [], labels: [], classNames: ["a"], channels: 1, height: 1 << 32, width: 1 << 32)
        }
    }
}
