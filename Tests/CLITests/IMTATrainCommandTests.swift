import ExperimentRecords
import ExperimentStore
import Foundation
import Testing

/// `ranet train --technique ge` and `--imta-from` end to end on a tiny CIFAR-format dataset.
@Suite struct IMTATrainCommandTests {
    static let config = """
        {"arch": "msdnet", "nBlocks": 2, "stepMode": "even", "step": 1, "base": 1, "nChannels": 4, "growthRate": 2,
         "grFactor": [1, 2, 4], "bnFactor": [1, 2, 4], "classes": 10, "input": [3, 32, 32]}
        """

    @Test func geThenIMTAStageTwoTrainEvaluateAndLinkTheirRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-imta-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = TrainCommandTests()
        try writer.writeCIFAR(dir, name: "data_batch_1.bin", perClass: 8, seed: 1)
        try writer.writeCIFAR(dir, name: "test_batch.bin", perClass: 2, seed: 2)
        let configPath = dir.appendingPathComponent("tiny-msdnet.json").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configPath))
        let store = dir.appendingPathComponent("s.sqlite").path
        let common = ["--batch-size", "16", "--store", store, "--threads", "1"]

        let ge = try CLI.run(
            [
                "train", "--dataset", "cifar10", "--data-root", dir.path, "--config", configPath, "--epochs", "1",
                "--val-size", "16", "--technique", "ge",
            ] + common)
        #expect(ge.status == 0, "\(ge.stderr)")
        let stage2 = try CLI.run(["train", "--imta-from", "1", "--temperature", "2", "--gamma", "0.5"] + common)
        #expect(stage2.status == 0, "\(stage2.stderr)")

        let s = try ExperimentStore(path: store)
        let child = try #require(try s.storedRun(id: 2))
        #expect(child.parentRunID == 1)
        #expect(child.configJSON.contains("\"imta_heads\":true"))
        #expect(child.hyperParametersJSON.contains("\"technique\":\"imta\""))
        #expect(child.hyperParametersJSON.contains("\"gamma\":0.5"))
        #expect(child.epochsPlanned == 1)  // the parent's epochs
        #expect(try s.storedRun(id: 1)?.hyperParametersJSON.contains("\"technique\":\"ge\"") == true)
        let runs = try CLI.run(["runs", "--store", store])
        #expect(runs.stdout.contains("(from run 1)"), "\(runs.stdout)")

        let eval = try CLI.run(["eval", "--run", "2", "--split", "test", "--store", store, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let bench = try CLI.run([
            "bench-exit", "--run", "2", "--split", "test", "--threshold", "0.15", "--repetitions", "1",
            "--threads", "1", "--store", store,
        ])
        #expect(
            bench.status == 0 && bench.stdout.contains("agrees with the simulation"), "\(bench.stdout)\(bench.stderr)")

        // Refused: an IMTA run as parent, another architecture, bad T / gamma, no such run, no checkpoint, running.
        func refused(_ args: [String], _ reason: String) throws {
            let r = try CLI.run(["train"] + args + ["--store", store])
            #expect(r.status != 0 && r.stderr.contains(reason), "\(args): \(r.stderr)")
        }
        try refused(["--imta-from", "2"], "already an IMTA stage-2 run")
        try refused(["--imta-from", "1", "--arch", "ranet"], "is a msdnet, not the requested ranet")
        try refused(["--imta-from", "1", "--preset", "fmnist-msdnet"], "config is not fmnist-msdnet")
        try refused(["--imta-from", "1", "--temperature", "0"], "--temperature must be positive")
        try refused(["--imta-from", "1", "--gamma", "1.5"], "--gamma must lie in [0, 1]")
        try refused(["--imta-from", "9"], "no run 9")
        try refused(["--technique", "imta"], "--imta-from RUN")
        try refused(["--gamma", "0.5"], "apply to IMTA's stage 2")
        let bare = try s.createRun(
            RunRecord(
                name: "no checkpoint", architecture: "msdnet", configJSON: Self.config, dataset: "cifar10",
                status: .failed))
        try refused(["--imta-from", "\(bare)"], "has no checkpoint")
        var live = try #require(try s.storedRun(id: 1))
        live.status = .running
        live.heartbeatAt = Date()
        try s.updateRun(live)
        try refused(["--imta-from", "1"], "still training")
    }
}
