import ExperimentStore
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `ranet train` gives the same bits on any thread count and after any number of SIGKILLs and resumes, and a run
/// has one writer: a second `--resume` (or `rm`) of a live run is refused, one right after a SIGKILL is accepted.
@Suite(.serialized) struct TrainExactnessTests {
    let dir: URL
    let configPath: String
    let msdnetPath: String
    let store: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-exact-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try TrainCommandTests().writeCIFAR(dir, name: "data_batch_1.bin", perClass: 16, seed: 3)
        try TrainCommandTests().writeCIFAR(dir, name: "test_batch.bin", perClass: 2, seed: 4)
        let config = """
            {"nChannels": 4, "growthRate": 4, "grFactor": [4, 2, 1], "bnFactor": [4, 2, 1], "scaleList": [1, 2, 3],
             "nBlocks": 1, "blockStep": 1, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5,
             "classes": 10, "stem": "cifar", "input": [3, 32, 32]}
            """
        configPath = dir.appendingPathComponent("tiny.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        let msdnet = """
            {"arch": "msdnet", "nBlocks": 3, "stepMode": "even", "step": 1, "base": 1, "nChannels": 4,
             "growthRate": 2, "grFactor": [1, 2, 4], "bnFactor": [1, 2, 4], "prune": "max", "reduction": 0.5,
             "bottleneck": true, "classes": 10, "stem": "cifar", "input": [3, 32, 32]}
            """
        msdnetPath = dir.appendingPathComponent("msdnet.json").path
        try Data(msdnet.utf8).write(to: URL(fileURLWithPath: msdnetPath))
        store = dir.appendingPathComponent("s.sqlite").path
    }

    func cleanUp() { try? FileManager.default.removeItem(at: dir) }

    /// Batches of 16 in 3 uneven parts (5, 5, 6 images): the parts, not the threads, decide the arithmetic.
    func trainArguments(epochs: Int, config: String? = nil) -> [String] {
        [
            "train", "--dataset", "cifar10", "--data-root", dir.path, "--config", config ?? configPath,
            "--epochs", "\(epochs)", "--batch-size", "16", "--batch-parts", "3", "--val-size", "40",
            "--log-every", "1", "--store", store,
        ]
    }

    /// The bits of every exit's validation accuracy and loss in `ranet train --json` output.
    func validationBits(_ output: String) -> [UInt32] {
        let object = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
        let exits = object?["validation"] as? [[String: Any]] ?? []
        return exits.flatMap { exit in
            ["accuracy", "loss"].map { Float((exit[$0] as? NSNumber)?.doubleValue ?? .nan).bitPattern }
        }
    }

    func start(_ arguments: [String], stdout: String) throws -> ChildProcess {
        try ChildProcess(CLI.binary.path, arguments, stdout: .file(stdout), stderr: .null)
    }

    /// Waits until the run has recorded `epochs` finished epochs (or the child ended).
    func waitForEpochs(_ epochs: Int, run: Int64, child: ChildProcess) throws {
        let records = try ExperimentStore(path: store)
        let deadline = Date().addingTimeInterval(600)
        while child.isRunning && Date() < deadline {
            if let r = try records.storedRun(id: run), r.epochsDone >= epochs { return }
            usleep(2_000)
        }
    }

    @Test func oneTwoAndThreeThreadsAndThreeSIGKILLsGiveTheSameRun() throws {
        defer { cleanUp() }
        let epochs = 4
        let one = try CLI.run(trainArguments(epochs: epochs) + ["--threads", "1", "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        let reference = validationBits(one.stdout)
        #expect(reference.count == 6)
        let two = try CLI.run(trainArguments(epochs: epochs) + ["--threads", "2", "--json"])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(validationBits(two.stdout) == reference, "--threads 2 differs from --threads 1")

        // Run 3 starts on three threads and is SIGKILLed early in its second, third and fourth epochs; each resume,
        // right after the kill and without --threads, runs on the machine's default thread count.
        let out = dir.appendingPathComponent("out.json").path
        var child = try start(trainArguments(epochs: epochs) + ["--threads", "3", "--json"], stdout: out)
        for k in 1..<epochs {
            try waitForEpochs(k, run: 3, child: child)
            child.kill(SIGKILL)
            #expect(try child.wait() == 128 + SIGKILL, "the run ended before its SIGKILL in epoch \(k + 1)")
            child = try start(["train", "--resume", "3", "--store", store, "--json"], stdout: out)
        }
        #expect(try child.wait() == 0)
        let resumed = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
        #expect(validationBits(resumed) == reference, "killed and resumed: \(resumed) vs \(one.stdout)")

        let run = try ExperimentStore(path: store).storedRun(id: 3)
        #expect(run?.hyperParametersJSON.contains("\"batchParts\":3") == true)
        #expect(run?.ownerPID == child.pid && run?.status == .finished)
    }

    @Test func msdnetIsTheSameOnOneAndThreeThreads() throws {
        defer { cleanUp() }
        let one = try CLI.run(trainArguments(epochs: 2, config: msdnetPath) + ["--threads", "1", "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        let three = try CLI.run(trainArguments(epochs: 2, config: msdnetPath) + ["--threads", "3", "--json"])
        #expect(three.status == 0, "\(three.stderr)")
        #expect(validationBits(one.stdout).count == 6)
        #expect(validationBits(three.stdout) == validationBits(one.stdout), "\(one.stdout) vs \(three.stdout)")
    }

    /// Waits until run 1 records `child` as its writer (or the child ended).
    func waitForOwner(_ child: ChildProcess, records: ExperimentStore) throws {
        let deadline = Date().addingTimeInterval(300)
        while child.isRunning && Date() < deadline {
            if try records.storedRun(id: 1)?.ownerPID == child.pid { return }
            usleep(2_000)
        }
    }

    @Test func aLiveRunIsRefusedToASecondWriterAndFreedBySIGKILL() throws {
        defer { cleanUp() }
        let out = dir.appendingPathComponent("out.json").path
        let trainer = try start(trainArguments(epochs: 500), stdout: out)
        defer { trainer.kill(SIGKILL) }
        let records = try ExperimentStore(path: store)
        try waitForOwner(trainer, records: records)
        #expect(try records.storedRun(id: 1)?.ownerHost == RunOwner.current.host)

        let second = try CLI.run(["train", "--resume", "1", "--store", store])
        #expect(second.status != 0)
        #expect(second.stderr.contains("process \(trainer.pid) on host \(RunOwner.current.host)"), "\(second.stderr)")
        #expect(second.stderr.contains("last heartbeat"))
        let remove = try CLI.run(["rm", "1", "--store", store])
        #expect(remove.status != 0 && remove.stderr.contains("process \(trainer.pid)"), "\(remove.stderr)")
        #expect(trainer.isRunning, "the refused commands must leave the trainer alone")

        // Killed after its first checkpoint (a resume needs one): the next resume is accepted at once and takes over.
        try waitForEpochs(1, run: 1, child: trainer)
        trainer.kill(SIGKILL)
        _ = try trainer.wait()
        let resumed = try start(["train", "--resume", "1", "--store", store], stdout: out)
        defer { resumed.kill(SIGKILL) }
        try waitForOwner(resumed, records: records)
        let owner = try records.storedRun(id: 1)?.ownerPID
        #expect(resumed.isRunning && owner == resumed.pid)
        resumed.kill(SIGKILL)
        _ = try resumed.wait()
        let removed = try CLI.run(["rm", "1", "--store", store])
        #expect(removed.status == 0, "\(removed.stderr)")
    }
}
