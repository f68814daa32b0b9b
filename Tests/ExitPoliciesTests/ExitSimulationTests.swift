import SeededRandom
import Testing

@testable import ExitPolicies

@Suite struct ExitSimulationTests {
    @Test func handWorkedExample() throws {
        // 4 samples, 3 exits, thresholds 0.8 / 0.7 on max probability, FLOPs 10 / 20 / 40.
        let outputs = try makeOutputs(
            maxProb: [[0.85, 0.8, 0.5, 0.1], [0, 0.7, 0.69, 0.9], [1, 1, 1, 1]],
            predicted: [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]],
            labels: [0, 1, 2, 1])
        let result = try outputs.simulate(
            policy: .maxProb, thresholds: .perExit([0.8, 0.7]),
            cumulativeFlops: [10, 20, 40])
        #expect(result.exitIndex == [0, 0, 2, 1])
        #expect(result.isCorrect == [true, false, true, true])
        #expect(result.exitCounts == [2, 1, 1])
        #expect(result.correctCounts == [1, 1, 1])
        #expect(result.exitShares == [0.5, 0.25, 0.25])
        #expect(result.accuracy == 0.75)
        #expect(result.expectedFlops == 20)  // 0.5 * 10 + 0.25 * 20 + 0.25 * 40
        #expect(result.speedUp == 2)
    }

    @Test(arguments: [(UInt64(1), ExitPolicy.maxProb), (2, .entropy), (3, .margin), (4, .maxProb), (5, .entropy)])
    func equalsNaivePerSampleLoop(seed: UInt64, policy: ExitPolicy) throws {
        let outputs = try randomOutputs(exits: 5, samples: 300, levels: 20, seed: seed)
        let flops: [Int64] = [3, 5, 8, 13, 21]
        var random = SplitMix64(seed: seed &+ 99)
        let range = policy.validRange(classCount: outputs.classCount)
        var reused = ExitSimulation()
        for trial in 0..<20 {
            let draw = { (rng: inout SplitMix64) -> Float in
                range.lowerBound + (range.upperBound - range.lowerBound) * rng.unitFloat()
            }
            let thresholds: Thresholds =
                trial.isMultiple(of: 2)
                ? .global(draw(&random))
                : .perExit((0..<4).map { _ in random.unitFloat() < 0.2 ? nil : draw(&random) })
            try outputs.simulate(policy: policy, thresholds: thresholds, cumulativeFlops: flops, into: &reused)
            let naive = naiveSimulation(outputs, policy: policy, thresholds: thresholds, flops: flops)
            #expect(reused.exitIndex == naive.exits)
            #expect(reused.isCorrect == naive.correct)
            #expect(approx(reused.accuracy, naive.accuracy))
            #expect(approx(reused.expectedFlops, naive.expectedFlops))
            #expect(reused.exitCounts.reduce(0, +) == outputs.sampleCount)
        }
    }

    @Test func reusedResultEqualsFreshOne() throws {
        let outputs = try randomOutputs(exits: 3, samples: 50, seed: 7)
        let other = try randomOutputs(exits: 4, samples: 20, seed: 8)
        var reused = ExitSimulation()
        try other.simulate(policy: .maxProb, thresholds: .global(0.3), cumulativeFlops: [1, 2, 3, 4], into: &reused)
        try outputs.simulate(policy: .maxProb, thresholds: .global(0.6), cumulativeFlops: [1, 2, 3], into: &reused)
        let fresh = try outputs.simulate(policy: .maxProb, thresholds: .global(0.6), cumulativeFlops: [1, 2, 3])
        #expect(reused == fresh)
    }

    @Test func badFlopsAreRefused() throws {
        let outputs = try randomOutputs(exits: 3, samples: 5, seed: 9)
        #expect(throws: ExitPolicyError.invalidFlops("2 values given for 3 exits")) {
            try outputs.simulate(policy: .maxProb, thresholds: .global(0.5), cumulativeFlops: [1, 2])
        }
        #expect(throws: ExitPolicyError.self) {
            try outputs.simulate(policy: .maxProb, thresholds: .global(0.5), cumulativeFlops: [1, 3, 2])
        }
        #expect(throws: ExitPolicyError.self) {
            try outputs.simulate(policy: .maxProb, thresholds: .global(0.5), cumulativeFlops: [0, 3, 4])
        }
    }

    @Test func singleExitTakesEverything() throws {
        let outputs = try makeOutputs(maxProb: [[0.2, 0.9]], predicted: [[1, 1]], labels: [1, 0])
        let result = try outputs.simulate(policy: .maxProb, thresholds: .perExit([]), cumulativeFlops: [7])
        #expect(result.exitIndex == [0, 0] && result.accuracy == 0.5 && result.expectedFlops == 7)
    }
}
