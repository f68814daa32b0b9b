import Testing

@testable import ExitPolicies

@Suite struct SampleCategoryTests {
    // Three exits; per sample the correctness at exits (0, 1, 2) and where it leaves under the thresholds.
    // s0 right/right/right leaves 0: easy          s1 wrong/right/right leaves 1: late
    // s2 right/right/right leaves 2: could exit earlier   s3 right/wrong/wrong leaves 1: overthinking
    // s4 wrong/wrong/right leaves 0: exited too early      s5 wrong everywhere leaves 2: hard
    let outputs: ExitOutputs = {
        let correct: [[Bool]] = [
            [true, true, true], [false, true, true], [true, true, true],
            [true, false, false], [false, false, true], [false, false, false],
        ]
        let labels: [Int32] = [0, 0, 0, 0, 0, 0]
        let predicted = (0..<3).map { exit in correct.map { $0[exit] ? Int32(0) : 1 } }
        let maxProb: [[Float]] = [
            [0.9, 0.1, 0.1, 0.1, 0.9, 0.1],
            [0.1, 0.9, 0.1, 0.9, 0.1, 0.1],
            [0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
        ]
        return try! makeOutputs(maxProb: maxProb, predicted: predicted, labels: labels, classCount: 2)
    }()

    @Test func categoriesFollowExitAndCorrectness() throws {
        let result = try outputs.simulate(policy: .maxProb, thresholds: .global(0.5), cumulativeFlops: [1, 2, 3])
        #expect(result.exitIndex == [0, 1, 2, 1, 0, 2])
        let profiles = outputs.profiles(result)
        #expect(profiles.map(\.category) == [.easy, .late, .couldExitEarlier, .overthinking, .exitedTooEarly, .hard])
        #expect(profiles.map(\.firstCorrectExit) == [0, 1, 0, 0, 2, nil])
        #expect(profiles.map(\.overthinksByLastExit) == [false, false, false, true, false, false])
        let counts = outputs.categoryCounts(result)
        #expect(SampleExitCategory.allCases.allSatisfy { counts[$0] == 1 })
    }

    @Test func exitHistogramCountsEverySample() throws {
        let result = try outputs.simulate(policy: .maxProb, thresholds: .global(0.5), cumulativeFlops: [1, 2, 3])
        #expect(result.exitCounts == [2, 2, 2])
        #expect(result.correctCounts == [1, 1, 1])
    }
}
