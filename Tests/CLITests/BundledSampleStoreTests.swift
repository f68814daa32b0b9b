import Foundation
import TestSupport
import Testing

/// The committed sample-data/ as a fresh clone has it (issue 25): six finished Fashion-MNIST runs (RANet and MSDNet,
/// plain, GE, IMTA stage 2) whose float16 weights lie beside the store, read through the CLI's bundled-sample
/// fallback from a folder that links to it, so the committed store is never opened for writing.
@Suite struct BundledSampleStoreTests {
    static let sampleData = ReadmeScreenshotTests.root.appendingPathComponent("sample-data").path

    /// A folder whose sample-data links to the repository's, for `BundledSampleTests.ranet(in:)`.
    static func cloneLikeFolder() throws -> String {
        let folder = try ImportLogitsTests.temporaryDirectory("committed-sample")
        try FileManager.default.createSymbolicLink(atPath: folder + "/sample-data", withDestinationPath: sampleData)
        return folder
    }

    @Test func everyRunFinishedWithItsWeightsAndRANetReaches92PercentAtEveryExit() throws {
        let folder = try Self.cloneLikeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let runs = try #require(
            try CLI.json(BundledSampleTests.ranet(in: folder, ["runs", "--json"])) as? [[String: Any]])
        let names = runs.compactMap { $0["name"] as? String }
        #expect(names.count == 6, "\(names)")
        for run in runs {
            let id = try #require(run["id"] as? Int)
            #expect(run["status"] as? String == "finished", "run \(id)")
            let checkpoint = try #require((run["checkpoints"] as? [String])?.last)
            #expect(checkpoint.hasPrefix(folder + "/sample-data/weights/"), "run \(id): \(checkpoint)")
            #expect(FileManager.default.fileExists(atPath: checkpoint), "run \(id): \(checkpoint)")
            let evaluations = try #require(
                try CLI.json(
                    BundledSampleTests.ranet(
                        in: folder, ["export", "--run", "\(id)", "--what", "evaluations", "--format", "json"]))
                    as? [[String: Any]])
            let splits = Set(evaluations.compactMap { ($0["evaluation"] as? [String: Any])?["split"] as? String })
            #expect(splits == ["val", "test"], "run \(id)")
            if run["architecture"] as? String == "ranet" {
                let test = try #require(
                    evaluations.last { ($0["evaluation"] as? [String: Any])?["split"] as? String == "test" })
                let accuracies = try #require((test["evaluation"] as? [String: Any])?["exitAccuracy"] as? [Double])
                #expect(accuracies.allSatisfy { $0 >= 0.92 }, "run \(id): \(accuracies)")
            }
        }
        let bytes = try FileManager.default.subpathsOfDirectory(atPath: Self.sampleData).reduce(0) { total, path in
            let size = try FileManager.default.attributesOfItem(atPath: Self.sampleData + "/" + path)[.size] as? Int
            return total + (size ?? 0)
        }
        #expect(bytes < 40_000_000, "sample-data holds \(bytes) bytes")
    }

    /// Each sample image is the stored test image its name gives: run 1's prediction at the first and at the last exit
    /// from the committed weights equals the stored record's.
    @Test func theSampleImagesClassifyAsTheirStoredRecordsFromTheCommittedWeights() throws {
        let folder = try Self.cloneLikeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let evaluations = try #require(
            try CLI.json(
                BundledSampleTests.ranet(
                    in: folder, ["export", "--run", "1", "--what", "evaluations", "--format", "json"]))
                as? [[String: Any]])
        let test = try #require(
            evaluations.compactMap { $0["evaluation"] as? [String: Any] }.last { $0["split"] as? String == "test" })
        let testID = try #require(test["id"] as? Int)
        let samples = try #require(
            try CLI.json(
                BundledSampleTests.ranet(
                    in: folder,
                    ["export", "--run", "1", "--what", "samples", "--evaluation", "\(testID)", "--format", "json"]))
                as? [[String: Any]])
        let images = try FileManager.default.contentsOfDirectory(atPath: Self.sampleData + "/images").sorted()
        #expect(images.contains { $0.hasPrefix("easy-") } && images.contains { $0.hasPrefix("hard-") }, "\(images)")
        for image in images {
            let index = try #require(Int(image.split(separator: "-")[2]))
            let record = try #require(samples.first { $0["sampleIndex"] as? Int == index })
            let predicted = try #require(record["predicted"] as? [Int])
            // Exit 0: every image is confident enough at threshold 0. The last exit: the deadline mode with a deadline no
            // exit misses answers with the deepest one (a threshold of 1 would not: float softmax can reach 1).
            let modes = [(["--threshold", "0"], 0), (["--deadline-ms", "100000"], predicted.count - 1)]
            for (mode, exit) in modes {
                let infer = try #require(
                    try CLI.json(
                        BundledSampleTests.ranet(
                            in: folder,
                            ["infer", "--run", "1", "--image", "sample-data/images/" + image, "--json"] + mode))
                        as? [String: Any])
                let result = try #require((infer["images"] as? [[String: Any]])?.first)
                #expect(
                    result["exit"] as? Int == exit && result["class"] as? Int == predicted[exit], "\(image) \(mode)")
            }
        }
        let bench = try BundledSampleTests.ranet(
            in: folder, ["bench-exit", "--run", "1", "--limit", "128", "--repetitions", "1"])
        #expect(bench.status == 0, "\(bench.stderr)")
    }
}
