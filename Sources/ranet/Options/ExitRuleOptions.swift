import ArgumentParser
import ExitPolicies
import Foundation

extension ExitPolicy: ExpressibleByArgument {}

/// `--threshold T` or `--threshold T1,T2,...` (one per exit but the last, or one per exit with the last ignored).
struct ThresholdList: ExpressibleByArgument {
    let thresholds: Thresholds

    init?(argument: String) {
        guard let thresholds = Thresholds(commaSeparated: argument) else { return nil }
        self.thresholds = thresholds
    }
}

/// How a command decides where images exit: a policy and either thresholds or an average-FLOPs budget.
struct ExitRuleOptions: ParsableArguments {
    @Option(
        help:
            "Exit policy: maxprob (max softmax probability >= T), entropy (softmax entropy in nats <= T) or margin (top-1 minus top-2 probability >= T)."
    )
    var policy: ExitPolicy = .maxProb
    // `.unconditional`: the value may start with a dash (`--threshold -1` is refused as out of range, not taken for
    // an unknown option).
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Threshold: one value for every exit, or a comma-separated list, one per exit but the last.",
            discussion:
                "Values outside the policy's range are refused: [0, 1] for maxprob and margin, [0, ln(classes)] for entropy."
        ))
    var threshold: ThresholdList?
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Target average MFLOPs per image; per-exit thresholds are solved on the validation split (budgeted batch, bisection on p).",
            discussion:
                "A budget below the first exit's or above the last exit's cumulative MFLOPs cannot be met and is refused (see `ranet flops`)."
        ))
    var budget: Double?

    func validate() throws {
        if threshold != nil && budget != nil { throw ValidationError("give either --threshold or --budget, not both") }
        if let budget, !budget.isFinite { throw ValidationError("--budget must be a number of MFLOPs") }
    }

    /// Checks thresholds against the policy's range and the model's exits, with the option named in the message.
    func checked(_ thresholds: Thresholds, exitCount: Int, classCount: Int) throws -> Thresholds {
        do { try thresholds.validate(policy: policy, exitCount: exitCount, classCount: classCount) } catch {
            throw CLIError("--threshold: \(error)")
        }
        return thresholds
    }
}

/// Budgets in MFLOPs, checked against what the exits can deliver.
enum BudgetCheck {
    /// The budget in FLOPs; refused when below the first exit's or above the last exit's cumulative FLOPs.
    static func flops(megaFlops: Double, cumulativeFlops: [Int64]) throws -> Double {
        let target = megaFlops * 1e6
        let low = Double(cumulativeFlops[0])
        let high = Double(cumulativeFlops[cumulativeFlops.count - 1])
        let range = String(format: "[%.3f, %.3f] MFLOPs", low / 1e6, high / 1e6)
        if target < low {
            throw CLIError(
                String(
                    format:
                        "--budget %g MFLOPs is below the first exit's %.3f MFLOPs: every image runs at least to the first exit (budgets in %@)",
                    megaFlops, low / 1e6, range))
        }
        if target > high {
            throw CLIError(
                String(
                    format:
                        "--budget %g MFLOPs is above the last exit's %.3f MFLOPs: no image can spend more than the whole network (budgets in %@)",
                    megaFlops, high / 1e6, range))
        }
        return target
    }
}
