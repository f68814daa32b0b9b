import ExperimentRecords
import SeededRandom
import Testing

@testable import Dashboard

@Suite struct PerformanceTests {
    /// Every mode re-simulates all 50,000 samples x 8 exits at each slider move. Its speed is not asserted here
    /// (timed unit tests fail on loaded machines); it is measured in release builds, docs/performance.md.
    @Test func sliderMovesOnFiftyThousandSamplesCountEverySample() throws {
        var random = SplitMix64(seed: 5)
        let samples = (0..<50_000).map {
            FakeDataSource.makeSample(index: $0, exitCount: 8, random: &random, withImage: false)
        }
        let exits = (0..<8).map {
            ExitInfo(
                subnetwork: $0 / 2, resolution: 7 << ($0 / 3), cumulativeMFLOPs: Double($0 + 1),
                accuracy: 0.8)
        }
        let run = RunSummary(
            run: RunRecord(
                id: 9, name: "big", architecture: "RANet", dataset: "d", status: .finished, epochsPlanned: 1,
                epochsDone: 1),
            bestLastExitAccuracy: nil, lastExitFLOPs: 8_000_000, stepCount: 0)
        let data = DashboardData(
            runs: [run], details: [9: RunDetail(run: run, exits: exits, samples: samples)],
            sourceDescription: "perf")
        var state = reduce(DashboardState(view: .budget, focusedRunID: 9), .dataLoaded(data))
        // Every mode: one global threshold, the budgeted p-schedule, and the target-MFLOPs solver.
        for mode in BudgetMode.allCases {
            while state.budget.mode != mode { state = reduce(state, key: .character("m")) }
            for _ in 0..<5 {
                state = reduce(state, key: .left)
                #expect(state.budgetResult?.exitCounts.reduce(0, +) == 50_000, "\(mode.title)")
            }
        }
    }
}
