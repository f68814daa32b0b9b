import ExperimentRecords
import Foundation
import GRDB

extension ExperimentStore {
    /// Adds a bench-exit measurement of a run and returns its id; an unknown run, a threads or batch size below 1
    /// or a result that is not a JSON object with `flopsRatio` and `timeRatio` is refused.
    @discardableResult
    public func addExitBenchmark(_ record: ExitBenchmarkRecord) throws -> Int64 {
        guard record.threads >= 1, record.batchSize >= 1 else {
            throw StoreError.invalidRecord(
                "exit benchmark: threads \(record.threads) and batch size \(record.batchSize) must be at least 1")
        }
        guard record.summary != nil else {
            throw StoreError.invalidRecord("exit benchmark: the result is not JSON with flopsRatio and timeRatio")
        }
        return try write { db in
            guard try Self.fetchRun(db, id: record.runID) != nil else {
                throw StoreError.notFound("run \(record.runID)")
            }
            try db.execute(
                sql: """
                    INSERT INTO exit_benchmarks (run_id, policy, host, threads, batch_size, result_json, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.runID, record.policy, record.host, record.threads, record.batchSize, record.resultJSON,
                    record.createdAt.storeSeconds,
                ])
            return db.lastInsertedRowID
        }
    }

    /// A run's bench-exit measurements, oldest first.
    public func exitBenchmarks(runID: Int64) throws -> [ExitBenchmarkRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM exit_benchmarks WHERE run_id = ? ORDER BY id", arguments: [runID]
            ).map { row in
                ExitBenchmarkRecord(
                    id: row["id"], runID: row["run_id"], policy: row["policy"], host: row["host"],
                    threads: row["threads"], batchSize: row["batch_size"], resultJSON: row["result_json"],
                    createdAt: Date(storeSeconds: row["created_at"]))
            }
        }
    }
}
