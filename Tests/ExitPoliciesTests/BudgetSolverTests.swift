import Testing

@testable import ExitPolicies

@Suite struct BudgetSolverTests {
    let flops: [Int64] = [100, 180, 300, 420, 600]

    func makeBatch(levels: Int = 1 << 20, policy: ExitPolicy = .maxProb) throws -> BudgetedBatch {
        let val = try randomOutputs(exits: 5, samples: 1_000, levels: levels, seed: 31)
        let test = try randomOutputs(exits: 5, samples: 500, levels: levels, seed: 32)
        return try BudgetedBatch(validation: val, test: test, policy: policy, cumulativeFlops: flops)
    }

    @Test(arguments: ExitPolicy.allCases)
    func hitsTargetFromBelowWithinOneStep(policy: ExitPolicy) throws {
        let batch = try makeBatch(policy: policy)
        // Whole samples move between exits, so a step is at most a few samples x (F_K - F_1) / N (N = 1000).
        let tolerance = 0.01 * Double(600 - 100)
        for target in stride(from: 100.0, through: 600, by: 50) {
            let point = try batch.solve(targetFlops: target)
            #expect(point.validation.expectedFlops <= target, "target \(target)")
            #expect(point.validation.expectedFlops >= target - tolerance, "target \(target)")
            #expect(try point.thresholds == batch.thresholds(p: point.p))
            let replay = try batch.test.simulate(policy: policy, thresholds: point.thresholds, cumulativeFlops: flops)
            #expect(replay.operatingPoint == point.test)
        }
    }

    @Test func achievedFlopsGrowWithTheTarget() throws {
        let batch = try makeBatch()
        let achieved = try stride(from: 100.0, through: 600, by: 20).map {
            try batch.solve(targetFlops: $0).validation.expectedFlops
        }
        #expect(zip(achieved, achieved.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(achieved.first == 100 && achieved.last == 600)
    }

    @Test func endsOfTheRangeAreExact() throws {
        let batch = try makeBatch(levels: 7)  // heavy ties must not break the ends
        let cheapest = try batch.solve(targetFlops: 100)
        #expect(cheapest.validation.exitShares == [1, 0, 0, 0, 0])
        #expect(cheapest.test.expectedFlops == 100)
        let dearest = try batch.solve(targetFlops: 600)
        #expect(dearest.p == .infinity && dearest.thresholds == .perExit([nil, nil, nil, nil]))
        #expect(dearest.test.expectedFlops == 600 && dearest.test.speedUp == 1)
    }

    @Test func budgetsOutsideTheRangeAreRefusedOrClamped() throws {
        let batch = try makeBatch()
        #expect(throws: ExitPolicyError.budgetOutOfRange(target: 99, minimum: 100, maximum: 600)) {
            try batch.solve(targetFlops: 99)
        }
        #expect(throws: ExitPolicyError.budgetOutOfRange(target: 601, minimum: 100, maximum: 600)) {
            try batch.solve(targetFlops: 601)
        }
        #expect(throws: ExitPolicyError.self) { try batch.solve(targetFlops: .nan) }
        #expect(batch.clampedBudget(50) == 100 && batch.clampedBudget(1e9) == 600 && batch.clampedBudget(250) == 250)
        #expect(batch.budgetRange == 100...600)
    }
}
