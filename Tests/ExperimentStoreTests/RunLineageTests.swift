import ExperimentRecords
import ExperimentStore
import Foundation
import Testing

@Suite struct RunLineageTests {
    func store() throws -> ExperimentStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lineage-\(UUID().uuidString).sqlite")
        return try ExperimentStore(path: path.path)
    }

    @Test func parentIsStoredReadAndClearedWhenTheParentGoes() throws {
        let s = try store()
        let parent = try s.createRun(RunRecord(name: "stage 1", architecture: "msdnet", dataset: "fashion-mnist"))
        let child = try s.createRun(RunRecord(name: "stage 2", architecture: "msdnet", dataset: "fashion-mnist"))
        #expect(try s.storedRun(id: child)?.parentRunID == nil)
        try s.setParentRun(parent, runID: child)
        #expect(try s.storedRun(id: child)?.parentRunID == parent)
        #expect(try s.runSummaries().first { $0.id == child }?.parentRunID == parent)
        #expect(try s.childRuns(of: parent) == [child])
        // Another update of the run keeps the link.
        var record = try #require(try s.storedRun(id: child))
        record.notes = "distilled"
        try s.updateRun(record)
        #expect(try s.storedRun(id: child)?.parentRunID == parent)
        #expect(try s.deleteRun(id: parent))
        #expect(try s.storedRun(id: child)?.parentRunID == nil)
    }

    @Test func badParentsAreRefused() throws {
        let s = try store()
        let run = try s.createRun(RunRecord(name: "r", architecture: "ranet", dataset: "mnist"))
        #expect(throws: StoreError.self) { try s.setParentRun(run + 10, runID: run) }
        #expect(throws: StoreError.self) { try s.setParentRun(run, runID: run) }
        #expect(throws: StoreError.self) { try s.setParentRun(nil, runID: run + 10) }
    }
}
