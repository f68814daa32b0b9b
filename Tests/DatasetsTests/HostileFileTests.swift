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
