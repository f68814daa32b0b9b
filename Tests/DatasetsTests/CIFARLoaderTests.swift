import Datasets
import Foundation
import Testing

@Suite struct CIFARLoaderTests {
    @Test func loadsWhicheverTrainingBatchesExistInOrder() throws {
        try withTemporaryDirectory { directory in
            let first = cifarRecords(labels: [0, 9, 3], labelBytes: 1, seed: 1)
            let third = cifarRecords(labels: [5, 5], labelBytes: 1, seed: 3)
            try write(first.bytes, to: join(directory, "data_batch_1.bin"))
            try write(third.bytes, to: join(directory, "data_batch_3.bin"))
            let train = try DatasetKind.cifar10.load(.train, root: directory)
            #expect(train.labels == [0, 9, 3, 5, 5])
            #expect(train.images == first.pixels + third.pixels)
            #expect((train.channels, train.height, train.width) == (3, 32, 32))
            #expect(train.classNames == ClassNames.cifar10)
        }
    }

    @Test func classNamesComeFromMetaFileWhenPresent() throws {
        try withTemporaryDirectory { directory in
            try write(cifarRecords(labels: [1], labelBytes: 1, seed: 1).bytes, to: join(directory, "test_batch.bin"))
            let names = (0..<10).map { "name\($0)" }
            try write(Array((names.joined(separator: "\n") + "\n\n").utf8), to: join(directory, "batches.meta.txt"))
            #expect(try DatasetKind.cifar10.load(.test, root: directory).classNames == names)
            try write(Array("just\ntwo\n".utf8), to: join(directory, "batches.meta.txt"))
            let error = #expect(throws: DatasetError.self) { try DatasetKind.cifar10.load(.test, root: directory) }
            #expect(error?.description.contains("lists 2 class names") == true)
        }
    }

    @Test func cifar100UsesTheFineLabel() throws {
        try withTemporaryDirectory { directory in
            let records = cifarRecords(labels: [99, 0, 42], labelBytes: 2, seed: 4)
            try write(records.bytes, to: join(directory, "train.bin"))
            let train = try DatasetKind.cifar100.load(.train, root: directory)
            #expect(train.labels == [99, 0, 42])
            #expect(train.images == records.pixels)
            #expect(train.classNames.count == 100 && train.classNames[99] == "worm")
        }
    }

    @Test func missingFilesListWhatWasExpected() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: DatasetError.self) { try DatasetKind.cifar10.load(.train, root: directory) }
            #expect(error?.description.contains(directory) == true)
            #expect(error?.description.contains("data_batch_5.bin") == true)
        }
    }

    @Test func sizeNotAMultipleOfTheRecordIsRejected() throws {
        try withTemporaryDirectory { directory in
            let path = join(directory, "test_batch.bin")
            try write(cifarRecords(labels: [1, 2], labelBytes: 1, seed: 1).bytes.dropLast(5), to: path)
            let error = #expect(throws: DatasetError.self) { try DatasetKind.cifar10.load(.test, root: directory) }
            #expect(error == .recordSizeMismatch(path: path, bytes: 2 * 3073 - 5, recordSize: 3073))
            // A CIFAR-10 file read as CIFAR-100 has the wrong record size too.
            try write(cifarRecords(labels: [1, 2], labelBytes: 1, seed: 1).bytes, to: join(directory, "test.bin"))
            #expect(throws: DatasetError.self) { try DatasetKind.cifar100.load(.test, root: directory) }
        }
    }

    @Test func labelsOutsideTheClassesAreRejected() throws {
        try withTemporaryDirectory { directory in
            let path = join(directory, "test_batch.bin")
            try write(cifarRecords(labels: [3, 10], labelBytes: 1, seed: 1).bytes, to: path)
            let error = #expect(throws: DatasetError.self) { try DatasetKind.cifar10.load(.test, root: directory) }
            #expect(error == .labelOutOfRange(path: path, sample: 1, label: 10, classCount: 10))
        }
    }

    @Test func cifarNeedsADataRoot() {
        #expect(throws: DatasetError.self) { try DatasetKind.cifar10.load(.train) }
    }
}
