import ExitPolicies
import ExperimentRecords
import Foundation

/// Outcome of the budget settings on one run's per-sample records.
public struct BudgetResult: Hashable, Sendable {
    /// Threshold per exit but the last, in the policy's units; nil = nobody exits there.
    public var thresholds: [Float?]
    public var accuracy: Double
    public var averageMFLOPs: Double
    /// Last exit's MFLOPs divided by the average.
    public var speedUp: Double
    /// How many samples leave at each exit.
    public var exitCounts: [Int]
    /// Exit index of every sample, parallel to the run's samples.
    public var exitOfSample: [Int]
    /// What the slider currently means, e.g. "threshold 0.800".
    public var sliderLabel: String
}

/// The focused run's records prepared once for ExitPolicies (sorting for the budget search is the costly part),
/// so every slider move only re-simulates.
public struct BudgetEngine: Sendable {
    let runID: Int64
    let policy: ExitPolicy
    let test: ExitOutputs
    let batch: BudgetedBatch
    let cumulativeFlops: [Int64]

    /// The p-schedule slider runs p from 0.05 (nearly every sample leaves at the first exit) over 1 (equal shares,
    /// the slider's middle) to 1.95 (most leave late).
    static let lowestP = 0.05
    static let pSpan = 1.9

    /// Builds the engine, or throws a message when the records cannot support the policy.
    init(detail: RunDetail, policy: ExitPolicy) throws(ExitPolicyError) {
        let exitCount = detail.exits.count
        let classCount = max(
            2, detail.classNames.count,
            Int(detail.samples.map(\.label).max() ?? 0) + 1,
            Int(detail.samples.flatMap(\.predicted).max() ?? 0) + 1)
        test = try BudgetEngine.outputs(detail.samples, exitCount: exitCount, classCount: classCount)
        let validation =
            detail.validationSamples.isEmpty
            ? test
            : try BudgetEngine.outputs(detail.validationSamples, exitCount: exitCount, classCount: classCount)
        cumulativeFlops = detail.exits.map { max(1, Int64(($0.cumulativeMFLOPs * 1e6).rounded())) }
        batch = try BudgetedBatch(validation: validation, test: test, policy: policy, cumulativeFlops: cumulativeFlops)
        runID = detail.run.id
        self.policy = policy
    }

    /// Converts sample records (sample-major) into the exit-major arrays ExitPolicies expects.
    static func outputs(
        _ samples: [SampleRecord], exitCount: Int, classCount: Int
    ) throws(ExitPolicyError) -> ExitOutputs {
        let count = samples.count
        var maxProb = [Float](repeating: 0, count: exitCount * count)
        var entropy = maxProb
        var margin = maxProb
        var predicted = [Int32](repeating: 0, count: exitCount * count)
        let hasMargins = samples.allSatisfy { $0.margin.count >= exitCount }
        for (sample, record) in samples.enumerated() {
            guard record.maxProb.count >= exitCount, record.predicted.count >= exitCount,
                record.entropy.count >= exitCount
            else {
                throw .shapeMismatch("sample \(record.sampleIndex) has outputs for fewer than \(exitCount) exits")
            }
            for exit in 0..<exitCount {
                let index = exit * count + sample
                maxProb[index] = record.maxProb[exit]
                entropy[index] = record.entropy[exit]
                predicted[index] = record.predicted[exit]
                if hasMargins { margin[index] = record.margin[exit] }
            }
        }
        return try ExitOutputs(
            exitCount: exitCount, sampleCount: count, classCount: classCount,
            labels: samples.map(\.label), maxProb: maxProb, entropy: entropy,
            margin: hasMargins ? margin : nil, predicted: predicted)
    }

    /// Applies the settings: thresholds from the mode, then one exact simulation over every sample.
    func evaluate(_ settings: BudgetSettings) throws(ExitPolicyError) -> BudgetResult {
        let thresholds: Thresholds
        let label: String
        switch settings.mode {
        case .globalThreshold:
            let range = policy.validRange(classCount: test.classCount)
            // Entropy runs the other way: moving right means stricter for every policy.
            let fraction = policy == .entropy ? 1 - settings.position : settings.position
            let value = min(
                range.upperBound, range.lowerBound + Float(fraction) * (range.upperBound - range.lowerBound))
            thresholds = .global(value)
            label = "threshold " + format(Double(value), decimals: 3)
        case .pSchedule:
            let p = Self.lowestP + settings.position * Self.pSpan
            thresholds = try batch.thresholds(p: p)
            label = "p " + format(p, decimals: 3)
        case .targetMFLOPs:
            let target = batch.clampedBudget(
                batch.budgetRange.lowerBound
                    + settings.position * (batch.budgetRange.upperBound - batch.budgetRange.lowerBound))
            thresholds = try batch.solve(targetFlops: target).thresholds
            label = "target " + format(target / 1e6, decimals: 2) + " MFLOPs"
        }
        let simulation = try test.simulate(policy: policy, thresholds: thresholds, cumulativeFlops: cumulativeFlops)
        let perExit = (0..<(test.exitCount - 1)).map { thresholds.threshold(atExit: $0, exitCount: test.exitCount) }
        return BudgetResult(
            thresholds: perExit, accuracy: simulation.accuracy,
            averageMFLOPs: simulation.expectedFlops / 1e6, speedUp: simulation.speedUp,
            exitCounts: simulation.exitCounts, exitOfSample: simulation.exitIndex, sliderLabel: label)
    }
}
