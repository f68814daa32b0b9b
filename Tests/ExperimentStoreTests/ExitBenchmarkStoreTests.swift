import ExperimentRecords
import Foundation
import Testing

@testable import ExperimentStore

@Suite struct ExitBenchmarkStoreTests {
    static func record(runID: Int64, timeRatio: Double = 0.55) -> ExitBenchmarkRecord {
        ExitBenchmarkRecord(
            runID: runID, policy: "maxprob", host: "box", threads: 2, batchSize: 64,
            resultJSON: #"{"flopsRatio":0.5,"timeRatio":\#(timeRatio),"budget":13690000,"latencyProfile":{}}"#,
            createdAt: Date(timeIntervalSince1970: 1_780_000_000.5))
    }

    @Test func benchmarksRoundTripPerRunOldestFirst() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        let other = try store.createRun(sampleRun(name: "other"))
        let first = try store.addExitBenchmark(Self.record(runID: runID))
        try store.addExitBenchmark(Self.record(runID: other))
        let second = try store.addExitBenchmark(Self.record(runID: runID, timeRatio: 0.6))
        let stored = try store.exitBenchmarks(runID: runID)
        #expect(stored.map(\.id) == [first, second])
        var expected = Self.record(runID: runID)
        expected.id = first
        #expect(stored[0] == expected)
        #expect(stored[1].summary == ExitBenchmarkSummary(flopsRatio: 0.5, timeRatio: 0.6, budget: 13_690_000))
        #expect(abs(stored[0].summary!.measuredSpeedUp - 1 / 0.55) < 1e-12)
        try store.deleteRun(id: runID)
        #expect(try store.exitBenchmarks(runID: runID).isEmpty)
        #expect(try store.exitBenchmarks(runID: other).count == 1)
    }

    @Test func refusesUnknownRunsAndBadResults() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        #expect(throws: StoreError.self) { try store.addExitBenchmark(Self.record(runID: runID + 7)) }
        var bad = Self.record(runID: runID)
        bad.resultJSON = #"{"timeRatio":0.5}"#
        #expect(throws: StoreError.self) { try store.addExitBenchmark(bad) }
        bad = Self.record(runID: runID)
        bad.threads = 0
        #expect(throws: StoreError.self) { try store.addExitBenchmark(bad) }
        #expect(try store.exitBenchmarks(runID: runID).isEmpty)
    }
}
