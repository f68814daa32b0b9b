import Foundation
import TestSupport
import Testing

/// A clone's sample-data/: a store whose run records float16 weights beside it (`export-weights --float16 --record`),
/// read by the CLI from the clone's top level with no store named, wherever the clone was moved.
@Suite struct BundledSampleTests {
    /// Runs `ranet` from `directory` with no store named ($RANET_STORE empty counts as absent).
    static func ranet(in directory: String, _ arguments: [String]) throws -> CLI.Result {
        try ChildProcess.run(
            "/bin/sh", ["-c", #"cd "$1" && shift && exec "$@""#, "sh", directory, CLI.binary.path] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(["RANET_STORE": ""]) { $1 }, timeout: 120)
    }

    static func exitAccuracies(_ json: String) throws -> [Double] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return ((object?["exits"] as? [[String: Any]]) ?? []).compactMap { $0["accuracy"] as? Double }
    }

    static func contents(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    @Test func aMovedCloneReadsItsBundledRunAndWeightsWithoutChangingThem() throws {
        let fixture = try AdaptiveFixture.get()
        let root = try ImportLogitsTests.temporaryDirectory("bundled-sample")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clone = root + "/clone"
        let sample = clone + "/sample-data"
        try FileManager.default.createDirectory(atPath: sample + "/weights", withIntermediateDirectories: true)
        let store = sample + "/ranet.sqlite"
        let train = try CLI.run([
            "train", "--dataset", "folder", "--data-root", fixture.dataRoot, "--config",
            fixture.dir.appendingPathComponent("tiny.json").path, "--epochs", "2", "--batch-size", "16",
            "--val-size", "24", "--seed", "5", "--store", store, "--checkpoint-dir", root + "/training",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let trained = try CLI.run(["eval", "--run", "1", "--json", "--store", store])
        #expect(trained.status == 0, "\(trained.stderr)")
        let weights = sample + "/weights/run-1.safetensors"
        let export = try CLI.run([
            "export-weights", "--run", "1", "--float16", "--record", "--out", weights, "--store", store,
        ])
        #expect(export.status == 0 && export.stdout.contains("F16"), "\(export.stderr)")
        // float16 holds each value in half the bytes of the float32 checkpoint's weights.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int)
        let float32Export = root + "/f32.safetensors"
        #expect(try CLI.run(["export-weights", "--run", "1", "--out", float32Export, "--store", store]).status == 0)
        let float32Size = try #require(try FileManager.default.attributesOfItem(atPath: float32Export)[.size] as? Int)
        #expect(size < float32Size * 6 / 10, "\(size) vs \(float32Size)")

        try FileManager.default.removeItem(atPath: root + "/training")
        let moved = root + "/moved-clone"
        try FileManager.default.moveItem(atPath: clone, toPath: moved)
        let movedStore = moved + "/sample-data/ranet.sqlite"
        let before = Self.contents(movedStore)

        let runs = try Self.ranet(in: moved, ["runs", "--json"])
        #expect(runs.status == 0 && runs.stderr.contains("bundled sample store"), "\(runs.stderr)")
        let listed = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]]
        let checkpoints = (listed?.first?["checkpoints"] as? [String]) ?? []
        #expect(checkpoints.last == moved + "/sample-data/weights/run-1.safetensors", "\(checkpoints)")

        let evaluated = try Self.ranet(in: moved, ["eval", "--run", "1", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(try Self.exitAccuracies(evaluated.stdout) == Self.exitAccuracies(trained.stdout))
        let image = fixture.dataRoot + "/test/vertical/000.png"
        let infer = try Self.ranet(in: moved, ["infer", "--run", "1", "--image", image, "--threshold", "0.5"])
        #expect(infer.status == 0 && infer.stdout.contains("000.png"), "\(infer.stderr)\(infer.stdout)")
        let bench = try Self.ranet(in: moved, ["bench-exit", "--run", "1", "--limit", "8", "--repetitions", "1"])
        #expect(bench.status == 0, "\(bench.stderr)")

        #expect(Self.contents(movedStore) == before)
        let left = try FileManager.default.contentsOfDirectory(atPath: moved + "/sample-data").sorted()
        #expect(left == ["ranet.sqlite", "weights"], "\(left)")
        #expect(!FileManager.default.fileExists(atPath: moved + "/ranet.sqlite"))
    }

    @Test func recordNeedsARun() throws {
        let result = try CLI.run(["export-weights", "--checkpoint", "x.safetensors", "--record", "--out", "y"])
        #expect(result.status != 0 && result.stderr.contains("--record needs --run"), "\(result.stderr)")
    }
}
