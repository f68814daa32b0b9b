import ExperimentRecords
import GRDB

extension ExperimentStore {
    /// Records that run `runID` was trained from run `parentID` (IMTA stage 2 from its stage-1 run), or clears it with
    /// nil. Deleting the parent later leaves the child with no parent (the schema's ON DELETE SET NULL).
    public func setParentRun(_ parentID: Int64?, runID: Int64) throws {
        try write { db in
            if let parentID, try Self.fetchRun(db, id: parentID) == nil {
                throw StoreError.notFound("run \(parentID) (the parent of run \(runID))")
            }
            guard parentID != runID else { throw StoreError.invalidRecord("run \(runID) cannot be its own parent") }
            try db.execute(sql: "UPDATE runs SET parent_run_id = ? WHERE id = ?", arguments: [parentID, runID])
            try Self.requireChange(db, "run \(runID)")
        }
    }

    /// The runs trained from `runID`, oldest first.
    public func childRuns(of runID: Int64) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE parent_run_id = ? ORDER BY id", arguments: [runID])
        }
    }
}
