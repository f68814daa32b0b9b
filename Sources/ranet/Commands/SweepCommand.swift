import AdaptiveNets
import ArgumentParser
import ExitPolicies
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs

/// `ranet sweep`: an exit policy replayed exactly over a run's stored per-sample records (no model, no data).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Apply an exit policy to a run's stored per-sample records: accuracy, average MFLOPs, share of images per exit.",
        discussion: """
            Reads the records `ranet eval` stored (no checkpoint or dataset needed) and simulates the policy exactly. \
            With --threshold T every exit but the last uses T (or give one value per exit, comma-separated); values \
            outside the policy's range are refused ([0, 1] for maxprob and margin, [0, ln(classes)] for entropy). \
            With --budget MFLOPS per-exit thresholds are solved on the validation records (budgeted batch, bisection on \
            p) and applied to the test records; a budget below the first exit's or above the last exit's cumulative \
            MFLOPs is refused. With neither, a sweep of global thresholds over the policy's range is printed.
            """)

    @Option(name: .customLong("run"), help: "Run id.") var runID: Int64
    @Option(help: "Apply to the latest evaluation of this split.") var split: Split = .test
    @Option(help: "Apply to this evaluation id instead (see `ranet export --what evaluations`).") var evaluation: Int64?
    @OptionGroup var rule: ExitRuleOptions
    @Option(help: "Thresholds in the sweep when neither --threshold nor --budget is given (2...1000).")
    var steps: Int = 11
    /// Each step stores a curve point per exit threshold; a thousand already resolves any curve finer than a plot.
    static let maxSteps = 1_000
    @Flag(help: "Print one JSON object instead of tables.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if steps < 2 { throw ValidationError("--steps must be at least 2") }
        if steps > Self.maxSteps {
            throw ValidationError("--steps \(steps) is above the limit of \(Self.maxSteps) thresholds per sweep")
        }
    }

    func run() throws {
        let store = try storeOptions.openStoreForReading()
        let config = try store.requiredRun(id: runID).modelConfig()
        let record = try StoredRecords.evaluation(store, runID: runID, split: split.rawValue, evaluationID: evaluation)
        let outputs = try StoredRecords.outputs(store, evaluation: record, classCount: config.classes)
        let flops = record.exitFLOPs
        let K = record.exitCount
        var results: [(Thresholds, ExitSimulation)] = []
        var budgetFlops: Double?
        if let threshold = rule.threshold {
            let thresholds = try rule.checked(threshold.thresholds, exitCount: K, classCount: config.classes)
            results.append(
                (thresholds, try outputs.simulate(policy: rule.policy, thresholds: thresholds, cumulativeFlops: flops)))
        } else if let budget = rule.budget {
            let target = try BudgetCheck.flops(megaFlops: budget, cumulativeFlops: flops)
            budgetFlops = target
            let partner = try StoredRecords.validationPartner(store, of: record)
            let validation =
                partner.id == record.id
                ? outputs
                : try StoredRecords.outputs(store, evaluation: partner, classCount: config.classes)
            do {
                let point = try BudgetedBatch(
                    validation: validation, test: outputs, policy: rule.policy, cumulativeFlops: flops
                )
                .solve(targetFlops: target)
                results.append(
                    (
                        point.thresholds,
                        try outputs.simulate(
                            policy: rule.policy, thresholds: point.thresholds,
                            cumulativeFlops: flops)
                    ))
            } catch { throw CLIError("--budget: \(error)") }
        } else {
            let range = rule.policy.validRange(classCount: config.classes)
            for step in 0..<steps {
                let value = min(
                    range.upperBound,
                    range.lowerBound + (range.upperBound - range.lowerBound) * Float(step) / Float(steps - 1))
                results.append(
                    (
                        .global(value),
                        try outputs.simulate(policy: rule.policy, thresholds: .global(value), cumulativeFlops: flops)
                    ))
            }
        }
        if json {
            try printJSON(
                results, record: record, budgetFlops: budgetFlops, single: rule.threshold != nil || rule.budget != nil)
        } else {
            printText(results, record: record, outputs: outputs, budgetFlops: budgetFlops)
        }
    }

    func object(_ thresholds: Thresholds, _ simulation: ExitSimulation, exitCount: Int) -> [String: Any] {
        [
            "policy": rule.policy.rawValue, "accuracy": simulation.accuracy, "averageFlops": simulation.expectedFlops,
            "exitShare": simulation.exitShares, "thresholds": thresholdsJSON(thresholds, exitCount: exitCount),
        ]
    }

    func printJSON(
        _ results: [(Thresholds, ExitSimulation)], record: EvaluationRecord, budgetFlops: Double?, single: Bool
    ) throws {
        let K = record.exitCount
        var object: [String: Any]
        if single {
            object = self.object(results[0].0, results[0].1, exitCount: K)
            if let budgetFlops { object["budget"] = budgetFlops }
        } else {
            object = ["policy": rule.policy.rawValue, "sweep": results.map { self.object($0.0, $0.1, exitCount: K) }]
        }
        object["run"] = runID
        object["split"] = record.split
        object["evaluation"] = record.id ?? 0
        try printJSONObject(object)
    }

    func printText(
        _ results: [(Thresholds, ExitSimulation)], record: EvaluationRecord, outputs: ExitOutputs, budgetFlops: Double?
    ) {
        let K = record.exitCount
        let last = Double(record.exitFLOPs[K - 1])
        print(
            "run \(runID), \(record.split) split (evaluation \(record.id ?? 0), \(outputs.sampleCount) images), policy \(rule.policy)"
        )
        if let budgetFlops {
            print(String(format: "budget %.3f MFLOPs: thresholds solved on the validation records", budgetFlops / 1e6))
        }
        if results.count == 1 {
            let (thresholds, simulation) = results[0]
            print("thresholds per exit: \(thresholds.text(exitCount: K))")
            print(
                String(
                    format: "accuracy %.2f%%, average %.3f MFLOPs (%.1f%% of the last exit's %.3f, speed-up %.2fx)",
                    simulation.accuracy * 100, simulation.expectedFlops / 1e6, simulation.expectedFlops / last * 100,
                    last / 1e6, simulation.speedUp))
            print("exit  cum. MFLOPs  share    images  accuracy there")
            for exit in 0..<K {
                let count = simulation.exitCounts[exit]
                let right = simulation.correctCounts[exit]
                print(
                    String(
                        format: "%4d  %11.3f  %5.1f%%  %7d  ", exit, Double(record.exitFLOPs[exit]) / 1e6,
                        simulation.exitShares[exit] * 100, count)
                        + (count == 0 ? "-" : String(format: "%.2f%%", Double(right) / Double(count) * 100)))
            }
        } else {
            print("threshold  accuracy  avg MFLOPs  speed-up  exit shares (%)")
            for (thresholds, simulation) in results {
                let value =
                    thresholds.threshold(atExit: 0, exitCount: K).map { String(format: "%9.4f", $0) } ?? "        -"
                print(
                    value
                        + String(
                            format: "  %7.2f%%  %10.3f  %7.2fx  ", simulation.accuracy * 100,
                            simulation.expectedFlops / 1e6,
                            simulation.speedUp)
                        + simulation.exitShares.map { String(format: "%.0f", $0 * 100) }.joined(separator: " "))
            }
        }
    }
}
