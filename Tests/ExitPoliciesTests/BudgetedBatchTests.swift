import Foundation
import Testing

@testable import ExitPolicies

@Suite struct BudgetedBatchTests {
    let flops: [Int64] = [10, 20, 40]

    /// Ten validation samples, three exits; predictions are right everywhere except where noted.
    func validation(exit0: [Float], exit1: [Float]) throws -> ExitOutputs {
        try makeOutputs(
            maxProb: [exit0, exit1, [Float](repeating: 1, count: 10)],
            predicted: [
                [Int32](repeating: 0, count: 10), [Int32](repeating: 0, count: 10),
                [Int32](repeating: 0, count: 10),
            ],
            labels: [Int32](repeating: 0, count: 10))
    }

    @Test func targetSharesFollowPowersOfP() throws {
        let shares = try BudgetedBatch.targetShares(p: 0.5, exitCount: 3)  // (1/2, 1/4, 1/8) / (7/8)
        #expect(zip(shares, [4.0 / 7, 2.0 / 7, 1.0 / 7]).allSatisfy { approx($0, $1, tolerance: 1e-12) })
        #expect(try BudgetedBatch.targetCounts(p: 1, exitCount: 3, sampleCount: 10) == [3, 3, 3])
        #expect(try BudgetedBatch.targetCounts(p: 1, exitCount: 3, sampleCount: 30) == [10, 10, 10])
        #expect(try BudgetedBatch.targetCounts(p: 0.05, exitCount: 3, sampleCount: 10) == [9, 0, 0])
        #expect(try BudgetedBatch.targetShares(p: 0, exitCount: 3) == [1, 0, 0])
        #expect(try BudgetedBatch.targetShares(p: .infinity, exitCount: 3) == [0, 0, 1])
        #expect(try BudgetedBatch.targetShares(p: 1e6, exitCount: 60).allSatisfy { $0.isFinite })
        #expect(throws: ExitPolicyError.self) { try BudgetedBatch.targetShares(p: -1, exitCount: 3) }
        #expect(throws: ExitPolicyError.self) { try BudgetedBatch.targetShares(p: .nan, exitCount: 3) }
        #expect(BudgetedBatch.referencePValues.count == 39 && BudgetedBatch.referencePValues[0] == 0.05)
    }

    @Test func handWorkedThresholdSearch() throws {
        // p = 1: targets 3, 3 (and 3) of N = 10.
        // Exit 0, descending: s0 .95, s8 .9, s2 .8 -> T0 = 0.8; {0, 8, 2} exit.
        // Exit 1 among the rest, descending: (s2 .99 and s8 .95 already out) s1 .9, s4 .8, s5 .7 -> T1 = 0.7.
        let outputs = try validation(
            exit0: [0.95, 0.5, 0.8, 0.4, 0.6, 0.3, 0.7, 0.2, 0.9, 0.1],
            exit1: [0.1, 0.9, 0.99, 0.6, 0.8, 0.7, 0.5, 0.3, 0.95, 0.4])
        let batch = try BudgetedBatch(validation: outputs, test: outputs, policy: .maxProb, cumulativeFlops: flops)
        #expect(try batch.thresholds(p: 1) == .perExit([0.8, 0.7]))
        let point = try batch.point(p: 1)
        #expect(point.validation.exitShares == [0.3, 0.3, 0.4])
        #expect(approx(point.validation.expectedFlops, 0.3 * 10 + 0.3 * 20 + 0.4 * 40))
    }

    @Test func zeroTargetCountMeansNobodyExits() throws {
        // p = 0.05: targets 9, 0. T0 = 9th largest = 0.2 (all but s9 exit); exit 1 target 0 -> nobody.
        let outputs = try validation(
            exit0: [0.95, 0.5, 0.8, 0.4, 0.6, 0.3, 0.7, 0.2, 0.9, 0.1],
            exit1: [Float](repeating: 0.99, count: 10))
        let batch = try BudgetedBatch(validation: outputs, test: outputs, policy: .maxProb, cumulativeFlops: flops)
        #expect(try batch.thresholds(p: 0.05) == .perExit([0.2, nil]))
        #expect(try batch.point(p: 0.05).validation.exitShares == [0.9, 0, 0.1])
    }

    @Test func unreachableTargetMeansNobodyExitsAndTiesAllLeave() throws {
        // p = 1: target 3 at exit 0, but eight samples tie at 0.9 -> T0 = 0.9 and all eight exit.
        // Exit 1 then has 2 samples left for a target of 3: unreachable, nobody exits there.
        let exit0: [Float] = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.3, 0.2]
        let outputs = try validation(exit0: exit0, exit1: [Float](repeating: 0.99, count: 10))
        let batch = try BudgetedBatch(validation: outputs, test: outputs, policy: .maxProb, cumulativeFlops: flops)
        #expect(try batch.thresholds(p: 1) == .perExit([0.9, nil]))
        #expect(try batch.point(p: 1).validation.exitShares == [0.8, 0, 0.2])
    }

    @Test func thresholdsFromValidationAreAppliedToTest() throws {
        let val = try validation(
            exit0: [0.95, 0.5, 0.8, 0.4, 0.6, 0.3, 0.7, 0.2, 0.9, 0.1],
            exit1: [0.1, 0.9, 0.99, 0.6, 0.8, 0.7, 0.5, 0.3, 0.95, 0.4])
        // Test: exits 0 (0.85 >= 0.8), 0 (tie 0.8), 2 (0.5, 0.69), 1 (0.9 >= 0.7); sample 1 wrong at exit 0.
        let test = try makeOutputs(
            maxProb: [[0.85, 0.8, 0.5, 0.1], [0, 0.7, 0.69, 0.9], [1, 1, 1, 1]],
            predicted: [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]], labels: [0, 1, 2, 1])
        let point = try BudgetedBatch(validation: val, test: test, policy: .maxProb, cumulativeFlops: flops)
            .point(p: 1)
        #expect(point.test.exitShares == [0.5, 0.25, 0.25])
        #expect(point.test.accuracy == 0.75)
        #expect(point.test.expectedFlops == 20)
        #expect(point.test.speedUp == 2)
    }

    @Test(arguments: [
        (UInt64(11), ExitPolicy.maxProb, 1 << 20), (12, .entropy, 8), (13, .margin, 3),
        (14, .maxProb, 5),
    ])
    func equalsReferenceTranscription(seed: UInt64, policy: ExitPolicy, levels: Int) throws {
        let val = try randomOutputs(exits: 4, samples: 200, levels: levels, seed: seed)
        let test = try randomOutputs(exits: 4, samples: 150, levels: levels, seed: seed + 100)
        let flops: [Int64] = [5, 9, 14, 30]
        let batch = try BudgetedBatch(validation: val, test: test, policy: policy, cumulativeFlops: flops)
        let confidence = (0..<4).map { exit in
            (0..<200).map { policy.confidence(of: val.statistics(exit: exit, sample: $0)) }
        }
        for p in BudgetedBatch.referencePValues + [0, 0.001, 7, .infinity] {
            let reference = referenceCutoffs(
                confidence: confidence,
                targetShares: try BudgetedBatch.targetShares(p: p, exitCount: 4))
            let expected = reference.dropLast().map { $0 == 1e8 ? nil : policy.threshold(forCutoff: $0) }
            let point = try batch.point(p: p)
            #expect(point.thresholds == .perExit(Array(expected)), "p = \(p)")
            let naive = naiveSimulation(test, policy: policy, thresholds: point.thresholds, flops: flops)
            #expect(approx(point.test.accuracy, naive.accuracy))
            #expect(approx(point.test.expectedFlops, naive.expectedFlops))
        }
    }

    @Test func curveHasOnePointPerReferenceRatio() throws {
        let val = try randomOutputs(exits: 3, samples: 100, seed: 21)
        let curve = try BudgetedBatch(validation: val, test: val, policy: .maxProb, cumulativeFlops: flops).curve()
        #expect(curve.points.map(\.p) == BudgetedBatch.referencePValues)
        #expect(curve.points.allSatisfy { approx($0.test.exitShares.reduce(0, +), 1) })
        // Extremes: p = 0 sends everyone to exit 0, p = infinity keeps everyone to the last exit.
        let batch = try BudgetedBatch(validation: val, test: val, policy: .maxProb, cumulativeFlops: flops)
        #expect(try batch.point(p: 0).validation.expectedFlops == 10)
        #expect(try batch.point(p: .infinity).validation.expectedFlops == 40)
    }

    @Test func mismatchedSplitsAreRefused() throws {
        let val = try randomOutputs(exits: 3, samples: 10, seed: 1)
        let test = try randomOutputs(exits: 4, samples: 10, seed: 2)
        #expect(throws: ExitPolicyError.self) {
            try BudgetedBatch(validation: val, test: test, policy: .maxProb, cumulativeFlops: flops)
        }
        #expect(throws: ExitPolicyError.self) {
            try BudgetedBatch(validation: val, test: val, policy: .maxProb, cumulativeFlops: [1, 2])
        }
    }
}
