import ExperimentRecords
import Foundation
import GRDB

extension ExperimentStore {
    /// Inserts a new run and returns its id (the record's own `id` is ignored).
    @discardableResult
    public func createRun(_ run: RunRecord) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (name, architecture, config_json, dataset, train_size, validation_size, test_size,
                        hyper_parameters_json, seed, status, created_at, updated_at, heartbeat_at, checkpoint_paths,
                        notes, epochs_planned, epochs_done, owner_pid, owner_host, data_source_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: Self.runArguments(run))
            return db.lastInsertedRowID
        }
    }

    /// Replaces every field of an existing run (matched by `run.id`).
    public func updateRun(_ run: RunRecord) throws {
        guard let id = run.id else { throw StoreError.invalidRecord("updateRun needs a run with an id") }
        try write { db in
            var arguments = Self.runArguments(run)
            arguments += [id]
            try db.execute(
                sql: """
                    UPDATE runs SET name = ?, architecture = ?, config_json = ?, dataset = ?, train_size = ?,
                        validation_size = ?, test_size = ?, hyper_parameters_json = ?, seed = ?, status = ?,
                        created_at = ?, updated_at = ?, heartbeat_at = ?, checkpoint_paths = ?, notes = ?,
                        epochs_planned = ?, epochs_done = ?, owner_pid = ?, owner_host = ?, data_source_json = ?
                    WHERE id = ?
                    """, arguments: arguments)
            try Self.requireChange(db, "run \(id)")
        }
    }

    /// Records that the training process is alive (and optionally how many epochs it has finished).
    public func heartbeat(runID: Int64, epochsDone: Int? = nil, at time: Date = Date()) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET heartbeat_at = ?, updated_at = ?, epochs_done = coalesce(?, epochs_done)
                    WHERE id = ?
                    """,
                arguments: [time.storeSeconds, time.storeSeconds, epochsDone, runID])
            try Self.requireChange(db, "run \(runID)")
        }
    }

    /// Sets a run's status (e.g. `.finished` at the end of training, `.failed` on an error).
    public func setStatus(_ status: RunStatus, runID: Int64, at time: Date = Date()) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET status = ?, updated_at = ?, heartbeat_at = ? WHERE id = ?",
                arguments: [status.rawValue, time.storeSeconds, time.storeSeconds, runID])
            try Self.requireChange(db, "run \(runID)")
        }
    }

    /// Records where a run's data comes from (see `RunDataSource`), replacing what was stored.
    public func setDataSource(_ source: RunDataSource, runID: Int64) throws {
        let json = try source.encoded()
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET data_source_json = ?, updated_at = ? WHERE id = ?",
                arguments: [json, Date().storeSeconds, runID])
            try Self.requireChange(db, "run \(runID)")
        }
    }

    /// Makes a checkpoint the run's latest: appended, or moved to the end when already listed (training rewrites
    /// one file every epoch). Recorded relative to the store's directory when beneath it (`recordedForm(of:)`).
    public func addCheckpoint(runID: Int64, path checkpointPath: String) throws {
        let recorded = recordedForm(of: checkpointPath)
        try write { db in
            guard var run = try Self.fetchRun(db, id: runID) else { throw StoreError.notFound("run \(runID)") }
            run.checkpointPaths.removeAll { $0 == recorded || $0 == checkpointPath }
            run.checkpointPaths.append(recorded)
            try db.execute(
                sql: "UPDATE runs SET checkpoint_paths = ?, updated_at = ? WHERE id = ?",
                arguments: [try Self.encodePaths(run.checkpointPaths), Date().storeSeconds, runID])
        }
    }

    /// The run with this id as stored (status not adjusted for a stale heartbeat), or nil.
    public func storedRun(id: Int64) throws -> RunRecord? {
        try read { try Self.fetchRun($0, id: id) }
    }

    /// The run with this id, a stale "running" status reported as `.interrupted`.
    public func run(id: Int64, now: Date = Date()) throws -> RunRecord? {
        try storedRun(id: id).map { effective($0, now: now) }
    }

    /// All runs, oldest first, stale "running" statuses reported as `.interrupted`.
    public func runs(now: Date = Date()) throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id").map { try Self.decodeRun($0) }
        }.map { effective($0, now: now) }
    }

    /// All runs with the figures the run list shows, oldest first.
    public func runSummaries(now: Date = Date()) throws -> [RunSummary] {
        let runs = try runs(now: now)
        return try read { db in
            try runs.map { run in
                let id = run.id ?? 0
                let accuracies = try Row.fetchAll(
                    db, sql: "SELECT validation_accuracy FROM epoch_metrics WHERE run_id = ?", arguments: [id])
                let best = try accuracies.compactMap { row in
                    try BlobCoding.decodeFloats(row[0], column: "validation_accuracy").last
                }.max()
                let flopsBlob = try Data.fetchOne(
                    db, sql: "SELECT exit_flops FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1",
                    arguments: [id])
                let flops = try flopsBlob.flatMap {
                    try BlobCoding.decode($0, as: Int64.self, column: "exit_flops").last
                }
                let steps =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM step_metrics WHERE run_id = ?", arguments: [id]) ?? 0
                return RunSummary(run: run, bestLastExitAccuracy: best, lastExitFLOPs: flops, stepCount: steps)
            }
        }
    }

    /// Deletes a run and every row that belongs to it in one transaction; returns false if it did not exist.
    @discardableResult
    public func deleteRun(id: Int64) throws -> Bool {
        try write { db in
            // Children first and explicitly, so the delete is complete even for a connection without foreign keys.
            let evaluations = "SELECT id FROM evaluations WHERE run_id = ?"
            let curves = "SELECT id FROM budget_curves WHERE evaluation_id IN (\(evaluations))"
            try db.execute(sql: "DELETE FROM budget_points WHERE curve_id IN (\(curves))", arguments: [id])
            try db.execute(sql: "DELETE FROM budget_curves WHERE evaluation_id IN (\(evaluations))", arguments: [id])
            try db.execute(sql: "DELETE FROM samples WHERE evaluation_id IN (\(evaluations))", arguments: [id])
            try db.execute(sql: "DELETE FROM sample_images WHERE evaluation_id IN (\(evaluations))", arguments: [id])
            try db.execute(sql: "DELETE FROM evaluations WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM step_metrics WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM epoch_metrics WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM exit_benchmarks WHERE run_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// The run as the reader should see it: "running" with a stale heartbeat means its process died.
    func effective(_ run: RunRecord, now: Date) -> RunRecord {
        let stale = now.timeIntervalSince(run.heartbeatAt) > staleHeartbeatInterval
        guard run.status == .running, stale else { return run }
        var adjusted = run
        adjusted.status = .interrupted
        return adjusted
    }

    static func fetchRun(_ db: Database, id: Int64) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(decodeRun)
    }

    static func requireChange(_ db: Database, _ what: String) throws {
        if db.changesCount == 0 { throw StoreError.notFound(what) }
    }

    private static func runArguments(_ run: RunRecord) -> StatementArguments {
        let paths = (try? encodePaths(run.checkpointPaths)) ?? "[]"
        return [
            run.name, run.architecture, run.configJSON, run.dataset, run.trainSize, run.validationSize,
            run.testSize, run.hyperParametersJSON, Int64(bitPattern: run.seed), run.status.rawValue,
            run.createdAt.storeSeconds, run.updatedAt.storeSeconds, run.heartbeatAt.storeSeconds, paths,
            run.notes, run.epochsPlanned, run.epochsDone, run.ownerPID, run.ownerHost, run.dataSourceJSON,
        ]
    }

    private static func encodePaths(_ paths: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(paths), as: UTF8.self)
    }

    private static func decodeRun(_ row: Row) throws -> RunRecord {
        let statusText: String = row["status"]
        guard let status = RunStatus(rawValue: statusText) else {
            throw StoreError.invalidRecord("run \(row["id"] as Int64): unknown status '\(statusText)'")
        }
        let pathsJSON: String = row["checkpoint_paths"]
        let paths = (try? JSONDecoder().decode([String].self, from: Data(pathsJSON.utf8))) ?? []
        var run = RunRecord(
            id: row["id"], name: row["name"], architecture: row["architecture"], configJSON: row["config_json"],
            dataset: row["dataset"], trainSize: row["train_size"], validationSize: row["validation_size"],
            testSize: row["test_size"], hyperParametersJSON: row["hyper_parameters_json"],
            seed: UInt64(bitPattern: row["seed"]), status: status,
            createdAt: Date(storeSeconds: row["created_at"]), updatedAt: Date(storeSeconds: row["updated_at"]),
            heartbeatAt: Date(storeSeconds: row["heartbeat_at"]), checkpointPaths: paths, notes: row["notes"],
            epochsPlanned: row["epochs_planned"], epochsDone: row["epochs_done"], ownerPID: row["owner_pid"],
            ownerHost: row["owner_host"], dataSourceJSON: row["data_source_json"] ?? "")
        run.parentRunID = row["parent_run_id"]
        return run
    }
}
