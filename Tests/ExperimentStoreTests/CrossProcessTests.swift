import ExperimentRecords
import Foundation
import Testing

@testable import ExperimentStore

/// A writer and readers in different processes (python3 + sqlite3 plays the other process).
@Suite(.enabled(if: PythonChild.isAvailable, "needs python3 with sqlite3 for a second process"))
struct CrossProcessTests {
    @Test func readerSeesRowsWhileAnotherProcessKeepsWriting() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        let detector = try StoreChangeDetector(store: store)
        let writer = try PythonChild(script: PythonScripts.steadyWriter, arguments: [store.path, "\(runID)"])
        defer { writer.killHard() }
        #expect(writer.readLine(startingWith: "committed") != nil)

        var seen: [StepMetric] = []
        var pollsWithNewRowsWhileWriterRan = 0
        var version = try detector.version()
        let deadline = Date().addingTimeInterval(8)
        while pollsWithNewRowsWhileWriterRan < 5, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            let current = try detector.version()
            guard current != version else { continue }
            version = current
            let fresh = try store.stepMetrics(runID: runID, afterStep: seen.last?.step)
            guard let newest = fresh.last, writer.child.isRunning else { continue }
            // The writer stamps wall_time with its commit time: the reader must see rows well within a second.
            #expect(Date().timeIntervalSince1970 - newest.wallTime < 1.0)
            seen += fresh
            pollsWithNewRowsWhileWriterRan += 1
        }
        #expect(pollsWithNewRowsWhileWriterRan >= 5)
        #expect(seen.map(\.step) == Array(0..<seen.count))
        #expect(seen.last?.exitLosses == [1.0, 2.0, Float(seen.count - 1) * 0.5])

        writer.killHard()
        let quiet = try detector.version()
        #expect(try detector.version() == quiet)
    }

    @Test func writerKilledMidTransactionLosesOnlyUncommittedRows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let runID = try ExperimentStore(path: path).createRun(sampleRun())
        let writer = try PythonChild(script: PythonScripts.killedMidTransaction, arguments: [path, "\(runID)", "30"])
        #expect(writer.readLine(startingWith: "committed") == "committed 3000")
        #expect(writer.readLine(startingWith: "in-transaction") != nil)
        writer.killHard()

        let reopened = try ExperimentStore(path: path)
        #expect(try reopened.quickCheck().isEmpty)
        let steps = try reopened.stepMetrics(runID: runID)
        #expect(steps.map(\.step) == Array(0..<3000))
        try reopened.appendStepMetrics([
            StepMetric(
                runID: runID, step: 3000, epoch: 0, exitLosses: [0, 0, 0],
                totalLoss: 0, learningRate: 0, imagesPerSecond: 0, wallTime: 0)
        ])
        #expect(try reopened.rowCount(table: "step_metrics") == 3001)
    }

    @Test func writerKilledAtARandomMomentKeepsEveryCommittedBatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let runID = try ExperimentStore(path: path).createRun(sampleRun())
        let writer = try PythonChild(script: PythonScripts.fastBatchWriter, arguments: [path, "\(runID)"])
        var lastReported = 0
        while lastReported < 2000, let line = writer.readLine(startingWith: "committed") {
            lastReported = Int(line.split(separator: " ")[1]) ?? 0
        }
        writer.killHard()
        let count = try ExperimentStore(path: path).rowCount(table: "step_metrics")
        #expect(lastReported >= 2000)
        #expect(count >= lastReported)
        #expect(count % 50 == 0)
    }

    @Test func lockedDatabaseGivesAClearErrorAndReadsStillWork() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try ExperimentStore(path: path, busyTimeout: 0.2)
        let runID = try store.createRun(sampleRun())
        let holder = try PythonChild(script: PythonScripts.lockHolder, arguments: [path, "\(runID)"])
        defer { holder.killHard() }
        #expect(holder.readLine(startingWith: "locked") != nil)
        #expect(throws: StoreError.locked(path: path, seconds: 0.2)) { try store.heartbeat(runID: runID) }
        #expect(try store.runs().count == 1)
        holder.killHard()
        try store.heartbeat(runID: runID)
    }

    @Test func openReaderInAnotherProcessDoesNotBlockTheWriter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try ExperimentStore(path: path, busyTimeout: 0.2)
        let runID = try store.createRun(sampleRun())
        let reader = try PythonChild(script: PythonScripts.readerHolder, arguments: [path, "\(runID)"])
        defer { reader.killHard() }
        #expect(reader.readLine(startingWith: "reading") == "reading 0")
        let metrics = (0..<200).map {
            StepMetric(
                runID: runID, step: $0, epoch: 0, exitLosses: [1], totalLoss: 1, learningRate: 0.1,
                imagesPerSecond: 1, wallTime: 0)
        }
        for batch in stride(from: 0, to: 200, by: 20) {
            try store.appendStepMetrics(Array(metrics[batch..<(batch + 20)]))
        }
        #expect(try store.rowCount(table: "step_metrics") == 200)
    }
}
