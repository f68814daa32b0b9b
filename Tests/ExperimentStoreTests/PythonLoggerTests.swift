import Foundation
import TestSupport
import Testing

@testable import ExperimentStore

/// The Python logger (python/ranet_store) writing from another process while this store reads.
@Suite(.enabled(if: PythonChild.isAvailable, "python3 with sqlite3 not found: the Python logger tests are skipped"))
struct PythonLoggerTests {
    /// The repository's python/ directory (put on PYTHONPATH, as `pip install ./python` would).
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("python").path

    static var python: String {
        PythonChild.onPath("python3") ?? ["/usr/local/bin/python3", "/usr/bin/python3"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "python3"
    }

    /// The environment of a child: PYTHONPATH = python/, RANK set or removed.
    static func environment(rank: String?) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = packageDirectory
        environment["RANK"] = rank
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return environment
    }

    /// A training loop's logging: 2 epochs of 15 steps, one commit per step (flush_seconds=0), 30 ms apart.
    static let trainingScript = """
        import sys, time
        from ranet_store import Run
        run = Run.create(sys.argv[1], name="pytorch run", config={"nChannels": 16, "classes": 10},
                         architecture="RANet-pytorch", dataset="cifar10", train_size=45000, validation_size=5000,
                         test_size=10000, hyper_parameters={"lr": 0.1}, seed=5, epochs=2, flush_seconds=0)
        print("created", run.id, flush=True)
        step = 0
        for epoch in range(2):
            for i in range(15):
                run.log_step(step, epoch, [3.0 - 0.1 * step, 2.0 - 0.05 * step, 1.0], lr=0.1 / (1 + 9 * epoch),
                             images_per_second=1000 + step)
                print("step", step, flush=True)
                step += 1
                time.sleep(0.03)
            run.log_epoch(epoch, val_accuracy=[0.25 + 0.25 * epoch, 0.5, 0.75], val_loss=[2.0, 1.5, 1.0 - 0.5 * epoch])
        run.finish()
        run.close()
        print("done", flush=True)
        """

    /// Reads a child's stdout line by line.
    final class Lines {
        let child: ChildProcess
        private var buffer = Data()
        init(_ child: ChildProcess) { self.child = child }

        func next() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    defer { buffer = Data(buffer[buffer.index(after: newline)...]) }
                    return String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                }
                let chunk = child.stdoutReader!.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
    }

    @Test func runLoggedFromPythonAppearsLiveWithAllItsMetrics() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try ExperimentStore(path: path)
        let child = try ChildProcess(
            Self.python, ["-c", Self.trainingScript, path],
            environment: Self.environment(rank: nil), stdout: .pipe, stderr: .null)
        defer {
            child.kill()
            _ = try? child.wait(timeout: 10)
        }
        let lines = Lines(child)
        let created = try #require(lines.next())
        let runID = try #require(Int64(created.split(separator: " ").last ?? ""), "\(created)")
        #expect(try store.run(id: runID)?.status == .running)

        // Every step the child reports as logged is already visible here, while the child keeps writing.
        var seenWhileRunning: [Int] = []
        while let line = lines.next(), line.hasPrefix("step") {
            let step = Int(line.split(separator: " ")[1])!
            let visible = try store.stepMetrics(runID: runID).count
            #expect(visible >= step + 1, "step \(step) logged, \(visible) rows visible")
            seenWhileRunning.append(visible)
        }
        #expect(seenWhileRunning.count == 30 && seenWhileRunning.contains { $0 < 30 })
        #expect(try child.wait(timeout: 30) == 0)

        let run = try #require(try store.run(id: runID))
        #expect(run.status == .finished && run.name == "pytorch run" && run.architecture == "RANet-pytorch")
        #expect(
            run.dataset == "cifar10" && run.trainSize == 45000 && run.validationSize == 5000 && run.testSize == 10000)
        #expect(run.epochsPlanned == 2 && run.epochsDone == 2 && run.seed == 5)
        #expect(run.configJSON == #"{"classes": 10, "nChannels": 16}"# && run.hyperParametersJSON == #"{"lr": 0.1}"#)
        let steps = try store.stepMetrics(runID: runID)
        #expect(
            steps.map(\.step) == Array(0..<30)
                && steps.map(\.epoch) == Array(repeating: 0, count: 15) + Array(repeating: 1, count: 15))
        #expect(steps[20].exitLosses == [Float(3.0 - 0.1 * 20), Float(2.0 - 0.05 * 20), 1])
        #expect(abs(steps[20].totalLoss - 3.0) < 1e-6 && steps[20].imagesPerSecond == 1020)
        #expect(steps[14].learningRate == 0.1 && steps[15].learningRate == 0.01)
        #expect(steps.last!.wallTime > steps.first!.wallTime)
        let epochs = try store.epochMetrics(runID: runID)
        #expect(epochs.map(\.epoch) == [0, 1])
        #expect(epochs.map(\.validationAccuracy) == [[0.25, 0.5, 0.75], [0.5, 0.5, 0.75]])
        #expect(epochs[1].validationLoss == [2.0, 1.5, 0.5])
        let summary = try #require(try store.runSummaries().first { $0.run.id == runID })
        #expect(summary.bestLastExitAccuracy == 0.75 && summary.stepCount == 30)
        #expect(try store.export(runID: runID, content: .metrics, format: .csv).split(separator: "\n").count == 31)
    }

    @Test func otherDistributedRanksWriteNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try ExperimentStore(path: path)
        let result = try ChildProcess.run(
            Self.python, ["-c", Self.trainingScript, path],
            environment: Self.environment(rank: "1"), timeout: 60)
        #expect(result.status == 0 && result.stdout.hasPrefix("created None"), "\(result.stdout)\(result.stderr)")
        #expect(try store.runs().isEmpty && store.rowCount(table: "step_metrics") == 0)
    }

    /// Prints every schema object and the two pragmas of the store at argv[1] as JSON (after opening it with
    /// ranet_store when argv[2] is "create").
    static let schemaScript = """
        import json, sqlite3, sys
        import ranet_store
        if sys.argv[2] == "create":
            ranet_store.connect(sys.argv[1]).close()
        con = sqlite3.connect(sys.argv[1])
        rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        pragmas = [con.execute("PRAGMA application_id").fetchone()[0], con.execute("PRAGMA user_version").fetchone()[0]]
        print(json.dumps({"objects": rows, "pragmas": pragmas}))
        """

    @Test func pythonCreatesExactlyTheSwiftSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let swiftPath = directory.file("swift.sqlite")
        let pythonPath = directory.file("python.sqlite")
        _ = try ExperimentStore(path: swiftPath)
        let environment = Self.environment(rank: nil)
        let fromSwift = try ChildProcess.run(
            Self.python, ["-c", Self.schemaScript, swiftPath, "read"], environment: environment)
        let fromPython = try ChildProcess.run(
            Self.python, ["-c", Self.schemaScript, pythonPath, "create"], environment: environment)
        #expect(fromSwift.status == 0 && fromPython.status == 0, "\(fromSwift.stderr)\(fromPython.stderr)")
        #expect(fromSwift.stdout.contains("CREATE TABLE budget_points"))
        #expect(fromSwift.stdout.contains("[1380861268, \(ExperimentStore.schemaVersion)]"))
        #expect(fromPython.stdout == fromSwift.stdout)

        let opened = try ExperimentStore(path: pythonPath)
        #expect(try opened.storedSchemaVersion() == ExperimentStore.schemaVersion && opened.quickCheck().isEmpty)
        #expect(try opened.createRun(sampleRun()) == 1)
    }

    @Test func pythonRefusesAStoreOfAnotherSchemaVersion() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        try ExperimentStore(path: path).executeForTesting("PRAGMA user_version = \(ExperimentStore.schemaVersion + 1)")
        let result = try ChildProcess.run(
            Self.python, ["-c", Self.trainingScript, path],
            environment: Self.environment(rank: nil), timeout: 60)
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("StoreError: store \(path) has schema version \(ExperimentStore.schemaVersion + 1)"),
            "\(result.stderr)")
    }

    @Test func pythonUnitTestsPass() throws {
        // With torch installed the suite includes a 2-rank DDP training: tens of seconds on a loaded machine.
        let result = try ChildProcess.run(
            Self.python, ["-m", "unittest", "discover", "-s", Self.packageDirectory + "/tests"],
            environment: Self.environment(rank: nil), timeout: 300)
        #expect(result.status == 0 && result.stderr.contains("OK"), "\(result.stderr)")
    }
}
