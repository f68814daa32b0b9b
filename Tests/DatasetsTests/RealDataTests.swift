import Datasets
import Foundation
import Testing

private let cifarRoot = "/work/shared/data/cifar10"
private let fashionRoot = DatasetKind.fashionMNIST.defaultRoot!

@Suite struct RealDataTests {
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: cifarRoot + "/test_batch.bin"),
            "the real CIFAR-10 files are not in \(cifarRoot)"))
    func realCIFAR10TestBatch() throws {
        let test = try DatasetKind.cifar10.load(.test, root: cifarRoot)
        #expect(test.count == 10000)
        #expect(test.classNames.first == "airplane" && test.classNames.last == "truck")
        let perClass = Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count)
        #expect(perClass.count == 10 && perClass.values.allSatisfy { $0 == 1000 })
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: cifarRoot + "/data_batch_1.bin"),
            "the real CIFAR-10 files are not in \(cifarRoot)"))
    func realCIFAR10TrainingStatisticsMatchTheReadme() throws {
        let train = try DatasetKind.cifar10.load(.train, root: cifarRoot)
        #expect(train.count % 10000 == 0)
        let statistics = Normalization.compute(from: train)
        // README: train channel means 125.3, 122.9, 113.9 (of 255).
        for (mean, expected) in zip(statistics.mean, [125.3, 122.9, 113.9] as [Float]) {
            #expect(abs(mean * 255 - expected) < 1.5)
        }
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: fashionRoot + "/t10k-images-idx3-ubyte.gz"),
            "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
    func realFashionMNIST() throws {
        let test = try DatasetKind.fashionMNIST.load(.test)
        #expect(test.count == 10000 && (test.channels, test.height, test.width) == (1, 28, 28))
        let perClass = Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count)
        #expect(perClass.count == 10 && perClass.values.allSatisfy { $0 == 1000 })
        let train = try DatasetKind.fashionMNIST.load(.train)
        #expect(train.count == 60000)
        let split = try train.splittingValidation()
        #expect(split.train.count == 55000 && split.validation.count == 5000)
    }
}
