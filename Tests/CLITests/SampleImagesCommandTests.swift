import Datasets
import Foundation
import Testing

/// `ranet sample-images` on runs of their own stores (other tests evaluate the shared fixture's run concurrently),
/// trained on the fixture's stripes: the test split's images are known files.
@Suite struct SampleImagesCommandTests {
    /// One per-sample record as `ranet export --what samples` prints it.
    struct Record {
        var label: Int
        var predicted: [Int]
        var maxProb: [Double]

        var isEasy: Bool { predicted.allSatisfy { $0 == label } }
        var isHard: Bool { predicted.first != label && predicted.last == label }
    }

    /// A store of its own in a temporary directory holding run 1, trained on the fixture's stripes for `epochs`.
    struct TrainedRun {
        let fixture: AdaptiveFixture
        let dir: String

        init(_ tag: String, epochs: Int) throws {
            fixture = try AdaptiveFixture.get()
            dir = try ImportLogitsTests.temporaryDirectory(tag)
            let config = dir + "/tiny.json"
            try Data(HostileInputTests.tinyConfig.utf8).write(to: URL(fileURLWithPath: config))
            let train = try ranet([
                "train", "--dataset", "folder", "--data-root", fixture.dataRoot, "--config", config, "--epochs",
                "\(epochs)", "--batch-size", "16", "--lr", "0.05", "--val-size", "24", "--seed", "3",
            ])
            guard train.status == 0 else { throw FixtureError("ranet train failed: \(train.stderr)") }
        }

        func ranet(_ arguments: [String]) throws -> CLI.Result {
            try CLI.run(arguments + ["--store", dir + "/s.sqlite"])
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    @Test func writesImagesOfItsEvaluationThatInferClassifiesAsRecorded() throws {
        let run = try TrainedRun("sample-images", epochs: 4)
        defer { run.remove() }
        let eval = try run.ranet(["eval", "--run", "1"])
        try #require(eval.status == 0, "\(eval.stderr)")
        let records = try Self.records(run.ranet(["export", "--run", "1", "--what", "samples", "--format", "json"]))
        try #require(records.count == AdaptiveFixture.testImages)

        let images = run.dir + "/images"
        let written = try run.ranet(["sample-images", "--run", "1", "--out-dir", images, "--json"])
        try #require(written.status == 0, "\(written.stderr)")
        let files = try #require(try JSONSerialization.jsonObject(with: Data(written.stdout.utf8)) as? [[String: Any]])
        #expect(files.count > 0)
        for (kind, qualifies) in [("easy", \Record.isEasy), ("hard", \Record.isHard)] {
            let chosen = files.filter { $0["kind"] as? String == kind }
            let candidates = records.filter { $0.value[keyPath: qualifies] }
            #expect(chosen.count == min(3, candidates.count), "\(kind): \(chosen)")
            if chosen.count < 3 { #expect(written.stderr.contains("only \(chosen.count) of 3 \(kind) image(s)")) }
            let labels = chosen.compactMap { $0["label"] as? Int }
            #expect(Set(labels).count == min(chosen.count, Set(candidates.values.map(\.label)).count), "\(labels)")
            let confidences = chosen.compactMap { $0["firstExitConfidence"] as? Double }
            #expect(confidences == (kind == "easy" ? confidences.sorted(by: >) : confidences.sorted()))
        }
        for file in files {
            let path = try #require(file["file"] as? String)
            let index = try #require(file["sampleIndex"] as? Int)
            let record = try #require(records[index])
            let className = AdaptiveFixture.classes[record.label]
            #expect(file["label"] as? Int == record.label && file["className"] as? String == className)
            #expect(file["predicted"] as? [Int] == record.predicted)
            #expect(path == "\(images)/\(file["kind"] as? String ?? "")-test-\(index)-\(className).png")
            let original = Self.testImage(index, of: run.fixture)
            #expect(try Self.pixels(path) == Self.pixels(original), "\(path) is not \(original)")
        }

        // Exit by exit: thresholds the earlier exits cannot pass (a max probability below 1) and one the exit always
        // passes make every image leave at that exit, with the class and confidence recorded there.
        let paths = files.compactMap { $0["file"] as? String }
        for (exit, thresholds) in [(0, "0"), (1, "1,0"), (2, "1,1")] {
            let infer = try run.ranet(
                ["infer", "--run", "1", "--image"] + paths + ["--threshold", thresholds, "--json"])
            try #require(infer.status == 0, "\(infer.stderr)")
            let inferred = try JSONSerialization.jsonObject(with: Data(infer.stdout.utf8)) as? [String: Any]
            let rows = try #require(inferred?["images"] as? [[String: Any]])
            #expect(rows.count == files.count)
            for (row, file) in zip(rows, files) {
                let record = try #require(records[file["sampleIndex"] as? Int ?? -1])
                let leaves = (0..<exit).first { record.maxProb[$0] >= 1 } ?? exit
                #expect(row["exit"] as? Int == leaves, "\(row)")
                #expect(row["class"] as? Int == record.predicted[leaves], "\(row) vs \(record)")
                #expect(abs((row["confidence"] as? Double ?? -1) - record.maxProb[leaves]) < 1e-4, "\(row)")
            }
        }

        let again = try run.ranet(["sample-images", "--run", "1", "--out-dir", images])
        #expect(again.status != 0 && again.stderr.contains("pass --force to replace it"), "\(again.stderr)")
        let forced = try run.ranet(["sample-images", "--run", "1", "--out-dir", images, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let lines = forced.stdout.split(separator: "\n")
        #expect(lines.count == files.count && lines.allSatisfy { $0.hasPrefix("wrote \(images)/") }, "\(lines)")
        #expect(forced.stdout.contains("exit-0 confidence") && forced.stdout.contains("first right at exit"))

        let validation = try run.ranet([
            "sample-images", "--run", "1", "--out-dir", images, "--split", "validation", "--easy", "1", "--hard", "0",
            "--json",
        ])
        #expect(validation.status == 0, "\(validation.stderr)")
        let chosen = try JSONSerialization.jsonObject(with: Data(validation.stdout.utf8)) as? [[String: Any]]
        #expect(chosen?.count == 1 && (chosen?.first?["file"] as? String)?.contains("/easy-validation-") == true)
    }

    /// The tiny model's own evaluation has few hard images, if any: made-up records imported as the run's test
    /// evaluation choose known images of both kinds.
    @Test func madeUpRecordsChooseKnownImagesOfTheRunsData() throws {
        let run = try TrainedRun("sample-images-made-up", epochs: 1)
        defer { run.remove() }
        let images = run.dir + "/images"
        let unevaluated = try run.ranet(["sample-images", "--run", "1", "--out-dir", images])
        #expect(
            unevaluated.status != 0 && unevaluated.stderr.contains("no test-split evaluation")
                && unevaluated.stderr.contains("ranet eval --run 1"), "\(unevaluated.stderr)")
        #expect(!FileManager.default.fileExists(atPath: images))

        try ImportLogitsTests.writeNPY(run.dir + "/test.npy", shape: [3, 24, 4], floats: Self.madeUpProbabilities)
        try ImportLogitsTests.writeNPY(run.dir + "/test.labels.npy", shape: [24], ints: (0..<24).map { Int64($0 / 6) })
        let imported = try run.ranet([
            "import-logits", "--run", "1", "--test", run.dir + "/test.npy", "--kind", "probabilities",
        ])
        try #require(imported.status == 0, "\(imported.stderr)")
        let written = try run.ranet(["sample-images", "--run", "1", "--out-dir", images, "--hard", "6"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stderr.contains("only 5 of 6 hard image(s)"), "\(written.stderr)")
        let expected = [
            (23, "easy"), (17, "easy"), (11, "easy"), (2, "hard"), (7, "hard"), (13, "hard"), (8, "hard"), (1, "hard"),
        ]
        let names = expected.map { index, kind in "\(kind)-test-\(index)-\(AdaptiveFixture.classes[index / 6]).png" }
        let reported: [String] = written.stdout.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        #expect(reported == names.map { "wrote \(images)/\($0)" }, "\(written.stdout)")
        #expect(
            written.stdout.contains(
                "hard, test image 8, class 1 (diagonal), exit-0 confidence 0.3600, first right at exit 2"))
        for (name, (index, _)) in zip(names, expected) {
            let original = Self.testImage(index, of: run.fixture)
            #expect(try Self.pixels("\(images)/\(name)") == Self.pixels(original), "\(name) is not \(original)")
        }

        // Records whose labels are not the data's (outputs of other data, or data changed since) choose nothing.
        let shifted = (0..<24).map { Int64(($0 / 6 + 1) % 4) }
        try ImportLogitsTests.writeNPY(run.dir + "/test.labels.npy", shape: [24], ints: shifted)
        let reimported = try run.ranet([
            "import-logits", "--run", "1", "--test", run.dir + "/test.npy", "--kind", "probabilities",
        ])
        try #require(reimported.status == 0, "\(reimported.stderr)")
        let mismatched = try run.ranet(["sample-images", "--run", "1", "--out-dir", run.dir + "/mismatched"])
        #expect(
            mismatched.status != 0 && mismatched.stderr.contains("is recorded as class")
                && mismatched.stderr.contains("changed since the evaluation"), "\(mismatched.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.dir + "/mismatched").isEmpty)
    }

    /// Per-sample records of `ranet export --what samples --format json`, by sample index.
    static func records(_ export: CLI.Result) throws -> [Int: Record] {
        try #require(export.status == 0, "\(export.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
        return Dictionary(
            uniqueKeysWithValues: rows.map { row in
                (
                    row["sampleIndex"] as? Int ?? -1,
                    Record(
                        label: row["label"] as? Int ?? -1, predicted: row["predicted"] as? [Int] ?? [],
                        maxProb: row["maxProb"] as? [Double] ?? [])
                )
            })
    }

    /// Exit-major probabilities [3 exits][24 images][4 classes] of made-up records for the fixture's test images
    /// (label: index / 6). Hard (wrong at exit 0, right from the exit given on): 2, 7, 8, 13 and 1, least confident at
    /// exit 0 in that order (7 and 8 tie); 19 is wrong at every exit, 20 right at exit 0 only (and the most
    /// confident there); every other image is right at every exit with exit-0 confidence 0.5 + index / 100.
    static let madeUpProbabilities: [Float] = {
        let hard: [Int: (confidence: Float, firstRight: Int)] = [
            2: (0.31, 1), 7: (0.36, 1), 8: (0.36, 2), 13: (0.41, 1), 1: (0.46, 2),
        ]
        var probabilities: [Float] = []
        for exit in 0..<3 {
            for image in 0..<24 {
                let (label, wrong) = (image / 6, (image / 6 + 1) % 4)
                var (predicted, confidence) = (label, exit == 0 ? 0.5 + Float(image) / 100 : Float(0.8))
                if let (firstConfidence, firstRight) = hard[image] {
                    predicted = exit < firstRight ? wrong : label
                    if exit == 0 { confidence = firstConfidence }
                } else if image == 19 || (image == 20 && exit > 0) {
                    predicted = wrong
                } else if image == 20 {
                    confidence = 0.8
                }
                probabilities += (0..<4).map { $0 == predicted ? confidence : (1 - confidence) / 3 }
            }
        }
        return probabilities
    }()

    /// The fixture's test image `index` in load order (class folders sorted, then file names: 6 per class).
    static func testImage(_ index: Int, of fixture: AdaptiveFixture) -> String {
        "\(fixture.dataRoot)/test/\(AdaptiveFixture.classes[index / 6])/\(String(format: "%03d.png", index % 6))"
    }

    static func pixels(_ path: String) throws -> PNGPixels {
        try PNGCodec.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}
