import Foundation
import Testing

@testable import ExitPolicies

@Suite struct ExitPolicyTests {
    // Two exits, three samples; columns chosen so that each policy sends a different sample out early.
    // maxProb/entropy/margin at exit 0: sample 0 (0.9, 0.8, 0.1), sample 1 (0.5, 0.3, 0.5), sample 2 (0.6, 1.5, 0.6)
    let outputs: ExitOutputs = {
        try! ExitOutputs(
            exitCount: 2, sampleCount: 3, classCount: 10, labels: [0, 1, 2],
            maxProb: [0.9, 0.5, 0.6, 1, 1, 1], entropy: [0.8, 0.3, 1.5, 0, 0, 0],
            margin: [0.1, 0.5, 0.6, 1, 1, 1], predicted: [0, 1, 0, 0, 0, 2])
    }()
    let flops: [Int64] = [10, 30]

    @Test func maxProbExitsWhenConfidentEnough() throws {
        let result = try outputs.simulate(policy: .maxProb, thresholds: .global(0.8), cumulativeFlops: flops)
        #expect(result.exitIndex == [0, 1, 1])
        #expect(result.isCorrect == [true, false, true])
    }

    @Test func entropyExitsWhenUncertaintyLowEnough() throws {
        let result = try outputs.simulate(policy: .entropy, thresholds: .global(0.8), cumulativeFlops: flops)
        #expect(result.exitIndex == [0, 0, 1])  // 0.8 <= 0.8 exits (ties exit), 1.5 does not
        #expect(result.isCorrect == [true, true, true])
    }

    @Test func marginExitsWhenTopTwoFarApart() throws {
        let result = try outputs.simulate(policy: .margin, thresholds: .global(0.55), cumulativeFlops: flops)
        #expect(result.exitIndex == [1, 1, 0])
        #expect(result.isCorrect == [true, false, false])
    }

    @Test func confidenceViewIsUniform() {
        let stats = SampleExitStatistics(maxProb: 0.7, entropy: 0.9, margin: 0.4, predicted: 3)
        #expect(ExitPolicy.entropy.confidence(of: stats) == -0.9)
        #expect(ExitPolicy.entropy.cutoff(forThreshold: 0.9) == -0.9)
        #expect(ExitPolicy.entropy.threshold(forCutoff: -0.9) == 0.9)
        #expect(ExitPolicy.entropy.exits(stats, threshold: 0.9) && !ExitPolicy.entropy.exits(stats, threshold: 0.8))
        #expect(ExitPolicy.margin.exits(stats, threshold: 0.4) && !ExitPolicy.maxProb.exits(stats, threshold: 0.71))
    }

    @Test(arguments: [
        (ExitPolicy.maxProb, Float(1.01)), (.maxProb, -0.1), (.margin, 1.5),
        (.entropy, -0.1), (.entropy, 2.31), (.maxProb, .nan),
    ])
    func outOfRangeThresholdsAreRefused(policy: ExitPolicy, value: Float) {
        #expect(throws: ExitPolicyError.self) {
            try Thresholds.global(value).validate(policy: policy, exitCount: 3, classCount: 10)
        }
        let error = #expect(throws: ExitPolicyError.self) {
            try Thresholds.perExit([0.5, value]).validate(policy: policy, exitCount: 3, classCount: 10)
        }
        // NaN never equals itself, so compare the message rather than the value.
        #expect(
            error?.description
                == ExitPolicyError.thresholdOutOfRange(
                    policy: policy, exit: 1, value: value, range: policy.validRange(classCount: 10)
                ).description)
    }

    @Test func entropyRangeIsLogOfClassCount() throws {
        #expect(ExitPolicy.entropy.validRange(classCount: 10).upperBound >= Float(log(10.0)))
        #expect(ExitPolicy.entropy.validRange(classCount: 10).upperBound < 2.3026)
        try Thresholds.global(Float(log(10.0))).validate(policy: .entropy, exitCount: 2, classCount: 10)
    }

    @Test func perExitCountMustFit() throws {
        #expect(throws: ExitPolicyError.thresholdCountMismatch(given: 1, exitCount: 3)) {
            try Thresholds.perExit([0.5]).validate(policy: .maxProb, exitCount: 3, classCount: 10)
        }
        try Thresholds.perExit([0.5, nil]).validate(policy: .maxProb, exitCount: 3, classCount: 10)
        try Thresholds.perExit([0.5, nil, 0.2]).validate(policy: .maxProb, exitCount: 3, classCount: 10)
    }

    @Test func nilThresholdMeansNobodyExitsAndLastTakesAll() throws {
        let result = try outputs.simulate(policy: .maxProb, thresholds: .perExit([nil]), cumulativeFlops: flops)
        #expect(result.exitIndex == [1, 1, 1])
        let all = try outputs.simulate(policy: .maxProb, thresholds: .perExit([0, 0.99]), cumulativeFlops: flops)
        #expect(all.exitIndex == [0, 0, 0])  // the ignored last entry changes nothing
    }

    @Test func marginPolicyNeedsMargins() throws {
        let noMargins = try ExitOutputs(
            exitCount: 1, sampleCount: 1, classCount: 2, labels: [0], maxProb: [1],
            entropy: [0], margin: nil, predicted: [0])
        #expect(throws: ExitPolicyError.policyUnavailable(.margin, "these outputs hold no margins")) {
            try noMargins.simulate(policy: .margin, thresholds: .global(0.5), cumulativeFlops: [5])
        }
    }
}
