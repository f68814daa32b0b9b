import AdaptiveInference
import ExitPolicies
import ExperimentRecords
import ExperimentStore
import Foundation

/// Per-sample records of a run's evaluations, read back from the store as `ExitOutputs`.
enum StoredRecords {
    /// Every exit's statistics of one stored evaluation (classes from the run's model).
    static func outputs(_ store: ExperimentStore, evaluation: EvaluationRecord, classCount: Int) throws -> ExitOutputs {
        guard let id = evaluation.id else { throw CLIError("evaluation has no id") }
        let table = try store.sampleTable(evaluationID: id)
        guard table.sampleCount > 0 else {
            throw CLIError(
                "evaluation \(id) (\(evaluation.split) split) has no per-sample records: run `ranet eval --run \(evaluation.runID)` again"
            )
        }
        do {
            return try ExitOutputs(
                exitCount: table.exitCount, sampleCount: table.sampleCount, classCount: classCount,
                labels: table.labels, maxProb: table.maxProb, entropy: table.entropy,
                margin: table.margin, predicted: table.predicted)
        } catch {
            throw CLIError("evaluation \(id) (\(evaluation.split) split): \(error)")
        }
    }

    /// The run's latest evaluation of `split` (or the one with id `evaluationID`, which must belong to the run).
    static func evaluation(
        _ store: ExperimentStore, runID: Int64, split: String, evaluationID: Int64?
    ) throws -> EvaluationRecord {
        let all = try store.evaluations(runID: runID)
        if let evaluationID {
            guard let chosen = all.first(where: { $0.id == evaluationID }) else {
                throw CLIError(
                    "evaluation \(evaluationID) is not one of run \(runID)'s (it has \(all.compactMap(\.id).map(String.init).joined(separator: ", ")))"
                )
            }
            return chosen
        }
        guard let latest = all.last(where: { $0.split == split }) else {
            throw CLIError(
                "run \(runID) has no \(split)-split evaluation in the store: run `ranet eval --run \(runID)` first")
        }
        return latest
    }

    /// The validation evaluation that goes with `evaluation` (same checkpoint, written before it), for budgets.
    static func validationPartner(_ store: ExperimentStore, of evaluation: EvaluationRecord) throws -> EvaluationRecord
    {
        if evaluation.split == "val" { return evaluation }
        let all = try store.evaluations(runID: evaluation.runID)
        guard
            let partner = all.last(where: {
                $0.split == "val" && ($0.id ?? 0) < (evaluation.id ?? 0)
                    && $0.checkpointPath == evaluation.checkpointPath && $0.exitFLOPs == evaluation.exitFLOPs
            })
        else {
            throw CLIError(
                "--budget needs validation records of the same checkpoint as evaluation \(evaluation.id ?? 0): "
                    + "run `ranet eval --run \(evaluation.runID) --split both` first")
        }
        return partner
    }

    /// Stored validation records of exactly this checkpoint file, if an evaluation was made after it was last written.
    static func freshValidation(_ store: ExperimentStore, loaded: RunModel) throws -> (EvaluationRecord, ExitOutputs)? {
        let modified =
            (try? FileManager.default.attributesOfItem(atPath: loaded.checkpointPath)[.modificationDate]) as? Date
        guard let modified else { return nil }
        let candidates = try store.evaluations(runID: loaded.runID).filter {
            $0.split == "val" && $0.checkpointPath == loaded.checkpointPath && $0.createdAt >= modified
                && $0.exitFLOPs == loaded.cumulativeFlops
        }
        guard let latest = candidates.last,
            let outputs = try? outputs(store, evaluation: latest, classCount: loaded.model.classes)
        else { return nil }
        return (latest, outputs)
    }
}

/// The thresholds a command runs with: given directly, or solved for a budget on validation outputs.
struct ResolvedRule {
    var thresholds: Thresholds
    /// The budget asked for, in FLOPs (nil with --threshold).
    var budgetFlops: Double?
    /// Average FLOPs the thresholds spend on the validation split they were solved on (budgets only).
    var validationFlops: Double?
    /// Where the thresholds came from, for the user.
    var source: String

    /// Thresholds for a model run: `--threshold` as given, or `--budget` (default: `defaultBudgetFraction` of the last
    /// exit's FLOPs) solved on the run's validation split, from fresh stored records or evaluated now.
    static func resolve(
        _ rule: ExitRuleOptions, loaded: RunModel, store: ExperimentStore, batchSize: Int,
        defaultBudgetFraction: Double = 0.5
    ) throws -> ResolvedRule {
        let K = loaded.model.exitCount
        if let threshold = rule.threshold {
            return ResolvedRule(
                thresholds: try rule.checked(threshold.thresholds, exitCount: K, classCount: loaded.model.classes),
                budgetFlops: nil, validationFlops: nil, source: "--threshold")
        }
        let flops = loaded.cumulativeFlops
        let target = try budgetTarget(rule, cumulativeFlops: flops, defaultFraction: defaultBudgetFraction)
        let (validation, source) = try validationOutputs(loaded: loaded, store: store, batchSize: batchSize)
        do {
            let point = try BudgetedBatch(
                validation: validation, test: validation, policy: rule.policy, cumulativeFlops: flops
            )
            .solve(targetFlops: target)
            return ResolvedRule(
                thresholds: point.thresholds, budgetFlops: target, validationFlops: point.validation.expectedFlops,
                source: source)
        } catch {
            throw CLIError("--budget: \(error)")
        }
    }

    /// `--budget` in FLOPs (checked against the exits), or `defaultFraction` of the last exit's FLOPs.
    static func budgetTarget(
        _ rule: ExitRuleOptions, cumulativeFlops flops: [Int64], defaultFraction: Double = 0.5
    ) throws -> Double {
        if let budget = rule.budget { return try BudgetCheck.flops(megaFlops: budget, cumulativeFlops: flops) }
        return max(Double(flops[0]), defaultFraction * Double(flops[flops.count - 1]))
    }

    /// The run's validation outputs the budget is solved on: fresh stored records of this checkpoint, else evaluated
    /// now; with a description of where they came from.
    static func validationOutputs(
        loaded: RunModel, store: ExperimentStore, batchSize: Int
    ) throws -> (ExitOutputs, String) {
        if let (record, outputs) = try StoredRecords.freshValidation(store, loaded: loaded) {
            return (outputs, "validation records of evaluation \(record.id ?? 0) (\(outputs.sampleCount) images)")
        }
        let data = try loaded.validationData()
        guard data.count > 0 else {
            throw CLIError("--budget needs the run's validation split, but run \(loaded.runID) holds out no images")
        }
        let evaluator = try ExitEvaluator(
            model: loaded.model, normalization: loaded.settings.normalization, batchSize: max(batchSize, 64))
        return (try evaluator.evaluate(data).outputs, "the validation split evaluated now (\(data.count) images)")
    }
}
