import ExperimentRecords
import Foundation
import GRDB

extension ExperimentStore {
    /// Appends step metrics in one transaction and refreshes the runs' heartbeats; a step logged again replaces
    /// the earlier row (a resumed run re-logging a step).
    public func appendStepMetrics(_ metrics: [StepMetric], at time: Date = Date()) throws {
        try append(
            metrics, runID: \.runID, at: time,
            sql: """
                INSERT OR REPLACE INTO step_metrics
                    (run_id, step, epoch, exit_losses, total_loss, learning_rate, images_per_second, wall_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ) { metric in
            [
                metric.runID, metric.step, metric.epoch, BlobCoding.encode(metric.exitLosses),
                Double(metric.totalLoss), Double(metric.learningRate), Double(metric.imagesPerSecond),
                metric.wallTime,
            ]
        }
    }

    /// Stores (or replaces) end-of-epoch validation metrics in one transaction and refreshes the heartbeats.
    public func appendEpochMetrics(_ metrics: [EpochMetric], at time: Date = Date()) throws {
        for metric in metrics where metric.validationLoss.count != metric.validationAccuracy.count {
            throw StoreError.invalidRecord(
                "epoch \(metric.epoch) of run \(metric.runID): \(metric.validationLoss.count) losses but "
                    + "\(metric.validationAccuracy.count) accuracies")
        }
        try append(
            metrics, runID: \.runID, at: time,
            sql: """
                INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, validation_loss, validation_accuracy, wall_time)
                VALUES (?, ?, ?, ?, ?)
                """
        ) { metric in
            [
                metric.runID, metric.epoch, BlobCoding.encode(metric.validationLoss),
                BlobCoding.encode(metric.validationAccuracy), metric.wallTime,
            ]
        }
    }

    /// Inserts `metrics` with one statement in one transaction, after refreshing the heartbeats of their runs.
    private func append<Metric>(
        _ metrics: [Metric], runID: (Metric) -> Int64, at time: Date, sql: String,
        arguments: (Metric) -> StatementArguments
    ) throws {
        guard !metrics.isEmpty else { return }
        try write { db in
            try Self.touchRuns(db, ids: Set(metrics.map(runID)), at: time)
            let insert = try db.makeStatement(sql: sql)
            for metric in metrics { try insert.execute(arguments: arguments(metric)) }
        }
    }

    /// Step metrics of a run in step order; pass `afterStep` to fetch only rows newer than what a poller has.
    public func stepMetrics(runID: Int64, afterStep: Int? = nil) throws -> [StepMetric] {
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT step, epoch, exit_losses, total_loss, learning_rate, images_per_second, wall_time
                    FROM step_metrics WHERE run_id = ? AND step > ? ORDER BY step
                    """,
                arguments: [runID, afterStep ?? Int.min])
            var metrics: [StepMetric] = []
            while let row = try rows.next() {
                metrics.append(
                    StepMetric(
                        runID: runID, step: row[0], epoch: row[1],
                        exitLosses: try BlobCoding.decodeFloats(row[2], column: "exit_losses"),
                        totalLoss: Float(row[3] as Double), learningRate: Float(row[4] as Double),
                        imagesPerSecond: Float(row[5] as Double), wallTime: row[6]))
            }
            return metrics
        }
    }

    /// Validation metrics of a run in epoch order.
    public func epochMetrics(runID: Int64) throws -> [EpochMetric] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT epoch, validation_loss, validation_accuracy, wall_time FROM epoch_metrics
                    WHERE run_id = ? ORDER BY epoch
                    """,
                arguments: [runID]
            ).map { row in
                EpochMetric(
                    runID: runID, epoch: row[0],
                    validationLoss: try BlobCoding.decodeFloats(row[1], column: "validation_loss"),
                    validationAccuracy: try BlobCoding.decodeFloats(row[2], column: "validation_accuracy"),
                    wallTime: row[3])
            }
        }
    }

    /// Marks runs as alive (logging metrics is itself a sign of life); throws `notFound` for an unknown run.
    static func touchRuns(_ db: Database, ids: Set<Int64>, at time: Date) throws {
        for id in ids {
            try db.execute(
                sql: "UPDATE runs SET heartbeat_at = ?, updated_at = ? WHERE id = ?",
                arguments: [time.storeSeconds, time.storeSeconds, id])
            try requireChange(db, "run \(id)")
        }
    }
}
