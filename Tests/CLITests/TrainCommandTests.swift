import Foundation
import Testing

/// `ranet train` end to end on a tiny CIFAR-format dataset written by the test.
@Suite struct TrainCommandTests {
    /// Ten classes of 32x32 RGB images, each class a distinct colour ramp plus noise.
    func writeCIFAR(_ dir: URL, name: String, perClass: Int, seed: UInt64) throws {
        var state = seed
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        var bytes: [UInt8] = []
        for i in 0..<(perClass * 10) {
            let label = UInt8(i % 10)
            bytes.append(label)
            for c in 0..<3 {
                for p in 0..<1024 {
                    let base = (Int(label) * 25 + c * 40 + (p / 32) * Int(label) / 4) % 256
                    bytes.append(UInt8(clamping: base / 2 + Int(next() % 64)))
                }
            }
        }
        try Data(bytes).write(to: dir.appendingPathComponent(name))
    }

    @Test func trainsATinyRunRecordsItAndRefusesToResumeAFinishedOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-train-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeCIFAR(dir, name: "data_batch_1.bin", perClass: 12, seed: 1)
        try writeCIFAR(dir, name: "test_batch.bin", perClass: 4, seed: 2)
        let config = """
            {"nChannels": 4, "growthRate": 4, "grFactor": [4, 2, 1], "bnFactor": [4, 2, 1], "scaleList": [1, 2, 3],
             "nBlocks": 1, "blockStep": 1, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5,
             "classes": 10, "stem": "cifar", "input": [3, 32, 32]}
            """
        let configPath = dir.appendingPathComponent("tiny.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        let store = dir.appendingPathComponent("s.sqlite").path
        let train = try CLI.run([
            "train", "--dataset", "cifar10", "--data-root", dir.path, "--config", configPath,
            "--epochs", "2", "--batch-size", "16", "--val-size", "20", "--log-every", "2",
            "--store", store, "--json",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any]
        #expect(result?["run"] as? Int == 1 && result?["epochs"] as? Int == 2)
        #expect((result?["validation"] as? [[String: Any]])?.count == 3)

        let runs = try CLI.run(["runs", "--store", store, "--json"])
        #expect(runs.status == 0 && runs.stdout.contains("finished"), "\(runs.stdout)\(runs.stderr)")
        #expect(FileManager.default.fileExists(atPath: try AdaptiveFixture.checkpoint(run: 1, in: dir)))

        let again = try CLI.run(["train", "--resume", "1", "--store", store])
        #expect(again.status != 0 && again.stderr.contains("already finished"))

        let missing = try CLI.run([
            "train", "--dataset", "cifar10", "--data-root", dir.appendingPathComponent("nowhere").path,
            "--config", configPath, "--store", store,
        ])
        #expect(missing.status != 0 && missing.stderr.contains("nowhere"), "\(missing.stderr)")
    }
}
