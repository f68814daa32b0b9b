import ExperimentRecords
import Foundation

/// Output format of `ranet export`.
public enum ExportFormat: String, CaseIterable, Sendable {
    case csv, json
}

/// What `ranet export` writes.
public enum ExportContent: String, CaseIterable, Sendable {
    /// Per-step training metrics.
    case metrics
    /// Per-epoch validation metrics.
    case epochs
    /// Evaluations (with their budget curves in JSON).
    case evaluations
    /// Per-sample records of one evaluation (the newest unless one is named).
    case samples
    /// Budget curves of every evaluation (one row per operating point in CSV).
    case curves
}

extension ExperimentStore {
    /// Renders one kind of record of a run as CSV or JSON text.
    public func export(
        runID: Int64, content: ExportContent, format: ExportFormat, evaluationID: Int64? = nil
    ) throws -> String {
        guard try storedRun(id: runID) != nil else { throw StoreError.notFound("run \(runID) in \(path)") }
        switch content {
        case .metrics:
            let metrics = try stepMetrics(runID: runID)
            return format == .csv ? StoreCSV.steps(metrics) : try StoreCSV.json(metrics)
        case .epochs:
            let metrics = try epochMetrics(runID: runID)
            return format == .csv ? StoreCSV.epochs(metrics) : try StoreCSV.json(metrics)
        case .evaluations:
            let evaluations = try self.evaluations(runID: runID)
            guard format == .json else { return StoreCSV.evaluations(evaluations) }
            return try StoreCSV.json(withBudgetCurves(evaluations))
        case .samples:
            let evaluation = try chooseEvaluation(runID: runID, evaluationID: evaluationID)
            let table = try sampleTable(evaluationID: evaluation.id ?? 0)
            if format == .csv { return StoreCSV.samples(table) }
            return try StoreCSV.json((0..<table.sampleCount).map(table.record(at:)))
        case .curves:
            let curves = try withBudgetCurves(
                evaluations(runID: runID).filter { evaluationID == nil || $0.id == evaluationID })
            return format == .csv ? StoreCSV.curves(curves) : try StoreCSV.json(curves)
        }
    }

    private func withBudgetCurves(_ evaluations: [EvaluationRecord]) throws -> [EvaluationExport] {
        try evaluations.map {
            EvaluationExport(evaluation: $0, budgetCurves: try budgetCurves(evaluationID: $0.id ?? 0))
        }
    }

    private func chooseEvaluation(runID: Int64, evaluationID: Int64?) throws -> EvaluationRecord {
        let evaluations = try self.evaluations(runID: runID)
        if let evaluationID {
            guard let match = evaluations.first(where: { $0.id == evaluationID }) else {
                throw StoreError.notFound("evaluation \(evaluationID) of run \(runID)")
            }
            return match
        }
        guard let newest = evaluations.last else { throw StoreError.notFound("evaluations of run \(runID)") }
        return newest
    }
}

/// An evaluation with its budget curves, as exported in JSON.
struct EvaluationExport: Codable {
    var evaluation: EvaluationRecord
    var budgetCurves: [BudgetCurve]
}

/// CSV writers: a header line, then one line per record; per-exit values become numbered columns.
enum StoreCSV {
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StoreJSON.encoder().encode(value), as: UTF8.self)
    }

    static func steps(_ metrics: [StepMetric]) -> String {
        let exits = metrics.map(\.exitLosses.count).max() ?? 0
        let header =
            ["run_id", "step", "epoch", "total_loss", "learning_rate", "images_per_second", "wall_time"]
            + exitColumns("loss", exits)
        let lines = metrics.map { metric in
            [
                "\(metric.runID)", "\(metric.step)", "\(metric.epoch)", "\(metric.totalLoss)", "\(metric.learningRate)",
                "\(metric.imagesPerSecond)", "\(metric.wallTime)",
            ] + metric.exitLosses.map { "\($0)" }
        }
        return render(header: header, lines: lines)
    }

    static func epochs(_ metrics: [EpochMetric]) -> String {
        let exits = metrics.map(\.validationLoss.count).max() ?? 0
        let header =
            ["run_id", "epoch", "wall_time"] + exitColumns("val_loss", exits) + exitColumns("val_accuracy", exits)
        let lines = metrics.map { metric in
            ["\(metric.runID)", "\(metric.epoch)", "\(metric.wallTime)"] + metric.validationLoss.map { "\($0)" }
                + metric.validationAccuracy.map { "\($0)" }
        }
        return render(header: header, lines: lines)
    }

    /// One line per (evaluation, exit).
    static func evaluations(_ evaluations: [EvaluationRecord]) -> String {
        let header = [
            "evaluation_id", "run_id", "checkpoint", "split", "exit", "cumulative_flops",
            "cumulative_params", "accuracy",
        ]
        let lines = evaluations.flatMap { evaluation in
            (0..<evaluation.exitCount).map { exit in
                [
                    "\(evaluation.id ?? 0)", "\(evaluation.runID)", quote(evaluation.checkpointPath),
                    quote(evaluation.split), "\(exit + 1)", "\(evaluation.exitFLOPs[exit])",
                    "\(evaluation.exitParams[exit])", "\(evaluation.exitAccuracy[exit])",
                ]
            }
        }
        return render(header: header, lines: lines)
    }

    /// One line per (evaluation, policy, operating point); thresholds become numbered columns.
    static func curves(_ exports: [EvaluationExport]) -> String {
        let exits = exports.map(\.evaluation.exitCount).max() ?? 0
        let header =
            ["evaluation_id", "split", "policy", "point", "parameter", "expected_flops", "accuracy"]
            + exitColumns("threshold", exits)
        let lines = exports.flatMap { export in
            export.budgetCurves.flatMap { curve in
                curve.points.enumerated().map { index, point in
                    [
                        "\(export.evaluation.id ?? 0)", quote(export.evaluation.split), quote(curve.policy), "\(index)",
                        "\(point.parameter)", "\(point.expectedFLOPs)", "\(point.accuracy)",
                    ] + point.thresholds.map { "\($0)" }
                }
            }
        }
        return render(header: header, lines: lines)
    }

    static func samples(_ table: SampleTable) -> String {
        let perExit = ["predicted", "max_prob", "entropy", "margin"]
        let header =
            ["sample_index", "label"]
            + (0..<table.exitCount).flatMap { exit in perExit.map { exitColumn($0, exit) } }
        let lines = (0..<table.sampleCount).map { sample in
            ["\(table.sampleIndices[sample])", "\(table.labels[sample])"]
                + (0..<table.exitCount).flatMap { exit -> [String] in
                    let offset = table.offset(exit: exit, sample: sample)
                    return [
                        "\(table.predicted[offset])", "\(table.maxProb[offset])", "\(table.entropy[offset])",
                        "\(table.margin[offset])",
                    ]
                }
        }
        return render(header: header, lines: lines)
    }

    /// The column of a per-exit value: `name_exit1` for exit 0 (1-based, like the papers).
    static func exitColumn(_ name: String, _ exit: Int) -> String { "\(name)_exit\(exit + 1)" }

    /// The columns of a per-exit value for exits 0..<count.
    static func exitColumns(_ name: String, _ count: Int) -> [String] { (0..<count).map { exitColumn(name, $0) } }

    /// Quotes a field when it holds a comma, quote or newline (RFC 4180).
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func render(header: [String], lines: [[String]]) -> String {
        ([header] + lines).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
