import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import Testing

/// Exit settings for the agreement tests; the quantile ones are computed from the evaluation's confidences.
enum AgreementCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case maxProbLow, maxProbMedian, maxProbHigh, entropyMedian, marginMedian, perExitMixed
    case everyoneAtFirst, nobodyBeforeLast, everyoneAtSecondExit

    var testDescription: String { rawValue }

    var policy: ExitPolicy {
        switch self {
        case .entropyMedian: return .entropy
        case .marginMedian: return .margin
        default: return .maxProb
        }
    }

    func thresholds(_ outputs: ExitOutputs) throws -> Thresholds {
        switch self {
        case .maxProbLow: return .global(try ThresholdPicker.pick(outputs, policy: .maxProb, quantile: 0.25))
        case .maxProbMedian: return .global(try ThresholdPicker.pick(outputs, policy: .maxProb, quantile: 0.5))
        case .maxProbHigh: return .global(try ThresholdPicker.pick(outputs, policy: .maxProb, quantile: 0.8))
        case .entropyMedian: return .global(try ThresholdPicker.pick(outputs, policy: .entropy, quantile: 0.5))
        case .marginMedian: return .global(try ThresholdPicker.pick(outputs, policy: .margin, quantile: 0.5))
        case .perExitMixed:
            return .perExit([
                try ThresholdPicker.pick(outputs, policy: .maxProb, quantile: 0.7),
                try ThresholdPicker.pick(outputs, policy: .maxProb, quantile: 0.4),
            ])
        case .everyoneAtFirst: return .global(0)  // max probability >= 0 always holds
        case .nobodyBeforeLast: return .perExit([nil, nil])
        case .everyoneAtSecondExit: return .perExit([nil, 0])
        }
    }
}

/// Picks thresholds in the middle of a wide gap between observed confidences, never on one.
///
/// The executor's GEMMs run on smaller batches than the evaluation's, and OpenBLAS rounds differently with the
/// matrix size (measured: logits differ by up to ~3e-6 between batch 1 and batch 64), so a confidence lying within
/// that distance of a threshold could legitimately go either way. A gap of at least `minimumGap` (far above the
/// noise) around every threshold keeps the comparison below exact without weakening it: any real divergence,
/// e.g. a wrong row fed to a stage, moves confidences by far more.
enum ThresholdPicker {
    static let minimumGap: Float = 2e-3

    struct NoGap: Error, CustomStringConvertible {
        let description: String
    }

    /// A threshold (policy units) near the `quantile` of the confidences at exits before the last.
    static func pick(_ outputs: ExitOutputs, policy: ExitPolicy, quantile: Double) throws -> Float {
        var values: [Float] = []
        for exit in 0..<(outputs.exitCount - 1) {
            for sample in 0..<outputs.sampleCount {
                values.append(policy.confidence(of: outputs.statistics(exit: exit, sample: sample)))
            }
        }
        values.sort()
        let target = Int(Double(values.count - 1) * quantile)
        // Search outwards from the target rank for the nearest gap wide enough.
        for distance in 0..<values.count {
            for rank in [target - distance, target + distance] where rank >= 0 && rank + 1 < values.count {
                if values[rank + 1] - values[rank] >= minimumGap {
                    return policy.threshold(forCutoff: (values[rank] + values[rank + 1]) / 2)
                }
            }
        }
        throw NoGap(description: "no gap of \(minimumGap) between \(policy) confidences")
    }
}

@Suite struct AgreementTests {
    @Test(arguments: AgreementCase.allCases, [1, 7, 32])
    func executorAgreesWithSimulation(_ setting: AgreementCase, batchSize: Int) throws {
        let model = try TinyModel.model()
        let evaluation = try TinyModel.evaluation()
        let thresholds = try setting.thresholds(evaluation.outputs)
        let simulation = try evaluation.outputs.simulate(
            policy: setting.policy, thresholds: thresholds,
            cumulativeFlops: evaluation.cumulativeFlops)
        let executor = try EarlyExitExecutor(model: model, policy: setting.policy, thresholds: thresholds)
        let run = try executor.run(
            dataset: try TinyModel.test(), normalization: TinyModel.normalization,
            batchSize: batchSize)
        #expect(run.disagreements(with: simulation, outputs: evaluation.outputs) == [])
        #expect(run.exitIndex == simulation.exitIndex)
        #expect(run.exitCounts(exitCount: model.exitCount) == simulation.exitCounts)
        #expect(
            abs(
                try run.expectedFlops(cumulativeFlops: evaluation.cost.cumulativeFlops)
                    - simulation.expectedFlops) < 1e-6 * simulation.expectedFlops)
        #expect(abs(run.accuracy - simulation.accuracy) < 1e-12)
    }

    @Test(arguments: [
        AgreementCase.maxProbLow, .maxProbMedian, .maxProbHigh, .entropyMedian, .marginMedian,
        .perExitMixed,
    ])
    func quantileSettingsSplitTheSamples(_ setting: AgreementCase) throws {
        // Otherwise the agreement test above would only ever see trivial all-or-nothing exits.
        let evaluation = try TinyModel.evaluation()
        let simulation = try evaluation.outputs.simulate(
            policy: setting.policy,
            thresholds: try setting.thresholds(evaluation.outputs),
            cumulativeFlops: evaluation.cumulativeFlops)
        #expect(simulation.exitCounts.filter { $0 > 0 }.count >= 2, "exit counts \(simulation.exitCounts)")
    }

    @Test func executorStatisticsMatchEvaluationWithinBlasRounding() throws {
        // Why the thresholds above keep their distance: same samples, other batch sizes, nearly equal numbers.
        let evaluation = try TinyModel.evaluation()
        let executor = try EarlyExitExecutor(
            model: try TinyModel.model(), policy: .maxProb,
            thresholds: .perExit([nil, nil]))
        let run = try executor.run(
            dataset: try TinyModel.test(), normalization: TinyModel.normalization,
            batchSize: 7)
        for sample in 0..<run.sampleCount {
            let reference = evaluation.outputs.statistics(exit: run.exitIndex[sample], sample: sample)
            #expect(abs(run.statistics[sample].maxProb - reference.maxProb) < 1e-5)
            #expect(abs(run.statistics[sample].entropy - reference.entropy) < 1e-4)
        }
    }

    @Test func sameBatchWithoutCompactionIsBitwiseEqual() throws {
        // Everyone leaves at the first exit: the executor runs the evaluation's exact batches and ops.
        let evaluation = try TinyModel.evaluation()
        let executor = try EarlyExitExecutor(model: try TinyModel.model(), policy: .maxProb, thresholds: .global(0))
        let run = try executor.run(
            dataset: try TinyModel.test(), normalization: TinyModel.normalization,
            batchSize: 64)
        let reference = (0..<run.sampleCount).map { evaluation.outputs.statistics(exit: 0, sample: $0) }
        #expect(run.statistics == reference)
    }
}
