import ExperimentRecords
import Foundation
import GRDB

extension ExperimentStore {
    /// Adds an evaluation and returns its id.
    @discardableResult
    public func addEvaluation(_ evaluation: EvaluationRecord) throws -> Int64 {
        try evaluation.validate()
        return try write { db in
            guard try Self.fetchRun(db, id: evaluation.runID) != nil else {
                throw StoreError.notFound("run \(evaluation.runID)")
            }
            try db.execute(
                sql: """
                    INSERT INTO evaluations (run_id, checkpoint_path, split, exit_count, exit_flops, exit_params,
                        exit_accuracy, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    evaluation.runID, evaluation.checkpointPath, evaluation.split, evaluation.exitCount,
                    BlobCoding.encode(evaluation.exitFLOPs), BlobCoding.encode(evaluation.exitParams),
                    BlobCoding.encode(evaluation.exitAccuracy), evaluation.createdAt.storeSeconds,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Deletes an evaluation with its samples and budget curves in one transaction (undoing a half-finished import);
    /// returns false if it did not exist.
    @discardableResult
    public func deleteEvaluation(id: Int64) throws -> Bool {
        try write { db in
            let curves = "SELECT id FROM budget_curves WHERE evaluation_id = ?"
            try db.execute(sql: "DELETE FROM budget_points WHERE curve_id IN (\(curves))", arguments: [id])
            try db.execute(sql: "DELETE FROM budget_curves WHERE evaluation_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM samples WHERE evaluation_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM sample_images WHERE evaluation_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM evaluations WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Evaluations of a run, oldest first.
    public func evaluations(runID: Int64) throws -> [EvaluationRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM evaluations WHERE run_id = ? ORDER BY id", arguments: [runID])
                .map(Self.decodeEvaluation)
        }
    }

    /// The evaluation with this id, or nil.
    public func evaluation(id: Int64) throws -> EvaluationRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM evaluations WHERE id = ?", arguments: [id])
                .map(Self.decodeEvaluation)
        }
    }

    /// Stores a policy's budget curve for an evaluation, replacing an earlier curve of the same policy; returns
    /// the curve id.
    @discardableResult
    public func saveBudgetCurve(_ curve: BudgetCurve) throws -> Int64 {
        try write { db in
            let exitCount = try Self.exitCount(db, evaluationID: curve.evaluationID)
            for (index, point) in curve.points.enumerated() where point.thresholds.count != exitCount {
                throw StoreError.invalidRecord(
                    "budget curve '\(curve.policy)' point \(index): \(point.thresholds.count) thresholds for "
                        + "\(exitCount) exits")
            }
            try db.execute(
                sql: "DELETE FROM budget_points WHERE curve_id IN "
                    + "(SELECT id FROM budget_curves WHERE evaluation_id = ? AND policy = ?)",
                arguments: [curve.evaluationID, curve.policy])
            try db.execute(
                sql: "DELETE FROM budget_curves WHERE evaluation_id = ? AND policy = ?",
                arguments: [curve.evaluationID, curve.policy])
            try db.execute(
                sql: "INSERT INTO budget_curves (evaluation_id, policy, created_at) VALUES (?, ?, ?)",
                arguments: [curve.evaluationID, curve.policy, curve.createdAt.storeSeconds])
            let curveID = db.lastInsertedRowID
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO budget_points (curve_id, point_index, parameter, thresholds, expected_flops, accuracy)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            for (index, point) in curve.points.enumerated() {
                try insert.execute(arguments: [
                    curveID, index, point.parameter, BlobCoding.encode(point.thresholds), point.expectedFLOPs,
                    point.accuracy,
                ])
            }
            return curveID
        }
    }

    /// Budget curves of an evaluation, ordered by policy name.
    public func budgetCurves(evaluationID: Int64) throws -> [BudgetCurve] {
        try read { db in
            let curves = try Row.fetchAll(
                db, sql: "SELECT id, policy, created_at FROM budget_curves WHERE evaluation_id = ? ORDER BY policy",
                arguments: [evaluationID])
            return try curves.map { curve in
                let curveID: Int64 = curve[0]
                let points = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT parameter, thresholds, expected_flops, accuracy FROM budget_points
                        WHERE curve_id = ? ORDER BY point_index
                        """,
                    arguments: [curveID]
                ).map { row in
                    BudgetPoint(
                        parameter: row[0], thresholds: try BlobCoding.decodeFloats(row[1], column: "thresholds"),
                        expectedFLOPs: row[2], accuracy: row[3])
                }
                return BudgetCurve(
                    id: curveID, evaluationID: evaluationID, policy: curve[1], points: points,
                    createdAt: Date(storeSeconds: curve[2]))
            }
        }
    }

    /// The number of exits of an evaluation; throws `notFound` when there is no such evaluation.
    static func exitCount(_ db: Database, evaluationID: Int64) throws -> Int {
        guard
            let exitCount = try Int.fetchOne(
                db, sql: "SELECT exit_count FROM evaluations WHERE id = ?", arguments: [evaluationID])
        else { throw StoreError.notFound("evaluation \(evaluationID)") }
        return exitCount
    }

    private static func decodeEvaluation(_ row: Row) throws -> EvaluationRecord {
        EvaluationRecord(
            id: row["id"], runID: row["run_id"], checkpointPath: row["checkpoint_path"], split: row["split"],
            exitFLOPs: try BlobCoding.decode(row["exit_flops"], as: Int64.self, column: "exit_flops"),
            exitParams: try BlobCoding.decode(row["exit_params"], as: Int64.self, column: "exit_params"),
            exitAccuracy: try BlobCoding.decodeFloats(row["exit_accuracy"], column: "exit_accuracy"),
            createdAt: Date(storeSeconds: row["created_at"]))
    }
}
