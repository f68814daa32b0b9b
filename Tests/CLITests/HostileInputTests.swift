import AdaptiveNets
import Foundation
import TestSupport
import Testing

/// Bad input tried as a hostile user would, by class (issue 20): every refusal is a clear error naming the file, and
/// every file is left as it was.
@Suite struct HostileInputTests {
    static let tinyConfig =
        #"{"nChannels": 4, "growthRate": 4, "grFactor": [2, 1], "bnFactor": [2, 1], "scaleList": [1, 2], "nBlocks": 1, "blockStep": 2, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5, "classes": 4, "stem": "cifar", "input": [1, 12, 12]}"#

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func outputsNeverOverwriteTheStoreACheckpointOrANonRegularFile() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("hostile-out")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A store of its own: other tests write into the shared fixture's store while this one runs.
        let ownStore = dir + "/own.sqlite"
        #expect(try CLI.run(["runs", "--store", ownStore], timeout: 60).status == 0)
        let storeBefore = bytes(ownStore)
        #expect(storeBefore?.isEmpty == false)
        let export = try CLI.run(
            ["export", "--run", "1", "--what", "epochs", "--out", ownStore, "--store", ownStore], timeout: 60)
        #expect(export.status != 0 && export.stderr.contains("experiment store"), "\(export.stderr)")
        #expect(bytes(ownStore) == storeBefore)

        let checkpointBefore = bytes(fixture.checkpoint)
        for command in [["export-weights", "--run", "1"], ["import-weights", "--weights", fixture.otherCheckpoint]] {
            let result = try fixture.ranet(command + ["--out", fixture.checkpoint, "--force"])
            #expect(result.status != 0 && result.stderr.contains("run 1's checkpoint"), "\(result.stderr)")
        }
        #expect(bytes(fixture.checkpoint) == checkpointBefore)

        let fifo = dir + "/fifo.safetensors"
        #expect(mkfifo(fifo, 0o644) == 0)
        let link = dir + "/link.safetensors"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fixture.checkpoint)
        for target in [fifo, link, "/dev/null"] {
            let result = try CLI.run(
                ["export-weights", "--run", "1", "--out", target, "--force", "--store", fixture.store], timeout: 60)
            #expect(result.status != 0 && result.stderr.contains("not a regular file"), "\(target): \(result.stderr)")
        }

        let existing = dir + "/epochs.csv"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: existing))
        let refused = try fixture.ranet(["export", "--run", "1", "--what", "epochs", "--out", existing])
        #expect(refused.status != 0 && refused.stderr.contains("--force") && bytes(existing) == Data("keep".utf8))
        let forced = try fixture.ranet(["export", "--run", "1", "--what", "epochs", "--out", existing, "--force"])
        #expect(forced.status == 0 && bytes(existing) != Data("keep".utf8), "\(forced.stderr)")
    }

    @Test func twoStoresInOneFolderKeepTheirOwnCheckpoints() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("hostile-stores")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/tiny.json"
        try Data(Self.tinyConfig.utf8).write(to: URL(fileURLWithPath: config))
        var paths: [String] = []
        for store in ["a", "b"] {
            let train = try CLI.run([
                "train", "--dataset", "folder", "--data-root", fixture.dataRoot, "--config", config, "--epochs", "1",
                "--batch-size", "16", "--val-size", "24", "--seed", store == "a" ? "1" : "2",
                "--store", "\(dir)/\(store).sqlite",
            ])
            #expect(train.status == 0, "\(train.stderr)")
            let runs = try CLI.run(["runs", "--store", "\(dir)/\(store).sqlite", "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]]
            paths.append(((object?.first?["checkpoints"] as? [String])?.first) ?? "")
        }
        #expect(paths[0] != paths[1] && !paths[0].isEmpty, "\(paths)")
        #expect(paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        // A checkpoint of b's run 1 put where a's run 1 expects its own is refused, not silently evaluated.
        try FileManager.default.removeItem(atPath: paths[0])
        try FileManager.default.copyItem(atPath: paths[1], toPath: paths[0])
        let eval = try CLI.run(["eval", "--run", "1", "--store", "\(dir)/a.sqlite"])
        #expect(eval.status != 0 && eval.stderr.contains("another store"), "\(eval.stderr)")
    }

    @Test func aRefusedTrainingLeavesNoRunningRun() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("hostile-train")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/s.sqlite"
        let wrongSize = dir + "/wrong.json"
        try Data(Self.tinyConfig.replacingOccurrences(of: "[1, 12, 12]", with: "[1, 16, 16]").utf8)
            .write(to: URL(fileURLWithPath: wrongSize))
        let config = dir + "/tiny.json"
        try Data(Self.tinyConfig.utf8).write(to: URL(fileURLWithPath: config))
        let aFile = dir + "/file"
        try Data().write(to: URL(fileURLWithPath: aFile))
        let base = [
            "train", "--dataset", "folder", "--data-root", fixture.dataRoot, "--epochs", "1", "--val-size", "24",
            "--store", store,
        ]
        // CIFAR images (3x32x32) for a 1x16x16 model: folders are resized to the input, CIFAR files are not.
        let cifar = dir + "/cifar"
        try FileManager.default.createDirectory(atPath: cifar, withIntermediateDirectories: true)
        let records = (0..<40).flatMap { [UInt8($0 % 10)] + [UInt8](repeating: UInt8($0 * 5), count: 3072) }
        try Data(records).write(to: URL(fileURLWithPath: cifar + "/data_batch_1.bin"))
        let cases: [([String], String)] = [
            (["--config", wrongSize, "--dataset", "cifar10", "--data-root", cifar], "3x32x32"),
            (["--config", config, "--checkpoint-dir", aFile], "not a directory"),
            (["--config", config, "--batch-size", "100000"], "larger than the"),
        ]
        for (extra, message) in cases {
            let result = try CLI.run(base + extra)
            #expect(result.status != 0 && result.stderr.contains(message), "\(extra): \(result.stderr)")
        }
        // A folder of one class would train to "100%".
        let oneClass = dir + "/one-class"
        for part in ["train", "test"] {
            try FileManager.default.createDirectory(atPath: oneClass + "/" + part, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: fixture.dataRoot + "/\(part)/checker", toPath: oneClass + "/\(part)/checker")
        }
        let single = try CLI.run(
            [
                "train", "--dataset", "folder", "--data-root", oneClass, "--epochs", "1", "--val-size", "8",
                "--batch-size", "8", "--store",
                store,
            ]
                + ["--config", config])
        #expect(single.status != 0 && single.stderr.contains("only 1 class"), "\(single.stderr)")
        let runs = try CLI.run(["runs", "--store", store, "--json"])
        #expect(runs.status == 0 && !runs.stdout.contains("running"), "\(runs.stdout)\(runs.stderr)")
    }

    @Test func aFIFOStoreIsRefusedInsteadOfHanging() throws {
        let dir = try ImportLogitsTests.temporaryDirectory("hostile-fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe.sqlite"
        #expect(mkfifo(fifo, 0o644) == 0)
        let result = try CLI.run(["runs", "--store", fifo], timeout: 30)
        #expect(result.status != 0 && result.stderr.contains("FIFO"), "\(result.stderr)")
        let tui = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        let dashboard = try ChildProcess.run(tui, ["--store", fifo], timeout: 30)
        #expect(dashboard.status != 0 && dashboard.stderr.contains("FIFO"), "\(dashboard.stderr)")
    }

    @Test func configsAskingForTooMuchAreRefusedWithTheLimit() throws {
        let dir = try ImportLogitsTests.temporaryDirectory("hostile-config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String, String)] = [
            (#""nChannels": 4"#, #""nChannels": 1000000000"#, "nChannels (1000000000) is above the limit"),
            (#""growthRate": 4"#, #""growthRate": 2000000000"#, "growthRate"),
            (#""classes": 4"#, #""classes": 1000000000"#, "classes"),
            (#""nBlocks": 1"#, #""nBlocks": 1000000000"#, "nBlocks"),
            (#""nChannels": 4"#, #""nChannels": 16.5"#, "nChannels"),
        ]
        for (index, (from, to, message)) in cases.enumerated() {
            let path = "\(dir)/c\(index).json"
            try Data(Self.tinyConfig.replacingOccurrences(of: from, with: to).utf8)
                .write(to: URL(fileURLWithPath: path))
            let result = try CLI.run(["flops", path], timeout: 60)
            #expect(result.status != 0 && result.stderr.contains(message), "\(to): \(result.stderr)")
        }
        let directory = try CLI.run(["flops", dir])
        #expect(directory.status != 0 && directory.stderr.contains("is a directory"), "\(directory.stderr)")
        #expect(!directory.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test func hugeSizesAndGarbageValuesAreRefused() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("hostile-sizes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A tensor whose shape product wraps 64 bits (2^62 floats of 4 bytes) over an empty data section.
        let header = #"{"x":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}"#
        var file = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(Data(header.utf8))
        try file.write(to: URL(fileURLWithPath: dir + "/wrap.safetensors"))
        let wrap = try fixture.ranet([
            "import-weights", "--weights", dir + "/wrap.safetensors", "--run", "1",
            "--out", dir + "/out.safetensors",
        ])
        #expect(wrap.status == 1 && wrap.stderr.contains("too large"), "\(wrap.stderr)")

        // NaN weights: the run's own checkpoint with one value replaced.
        var weights = try SafeTensorsFile.read(fixture.checkpoint)
        weights.tensors = weights.tensors.filter { !$0.key.hasPrefix("optimizer.") }
        weights.order.removeAll { $0.hasPrefix("optimizer.") }
        let first = weights.order[0]
        weights.tensors[first]!.values[0] = .nan
        try weights.write(to: dir + "/nan.safetensors")
        let nan = try fixture.ranet([
            "import-weights", "--weights", dir + "/nan.safetensors", "--run", "1",
            "--out", dir + "/out.safetensors",
        ])
        #expect(nan.status != 0 && nan.stderr.contains("finite"), "\(nan.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.safetensors"))

        let batch = try fixture.ranet([
            "bench-exit", "--run", "1", "--batch-size", "9223372036854775807",
            "--threshold", "0.5", "--repetitions", "1",
        ])
        #expect(batch.status == 0, "\(batch.stderr)")
        let negative = try fixture.ranet(["infer", "--run", "1", "--threshold", "-1", "--limit", "4"])
        #expect(negative.status != 0 && !negative.stderr.contains("Missing value"), "\(negative.stderr)")
    }
}
