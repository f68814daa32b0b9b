import ExperimentRecords
import SeededRandom
import Testing

@testable import Dashboard

@Suite struct PerformanceTests {
    /// The issue asks for well under 50 ms per slider move on 50,000 samples x 8 exits (release build);
    /// this debug-build bound only catches an accidental quadratic or per-move rebuild.
    @Test func sliderMoveOnFiftyThousandSamplesStaysFast() throws {
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
        let clock = ContinuousClock()
        // Every mode: one global threshold, the budgeted p-schedule, and the target-MFLOPs solver.
        for mode in BudgetMode.allCases {
            while state.budget.mode != mode { state = reduce(state, key: .character("m")) }
            let elapsed = clock.measure {
                for _ in 0..<5 { state = reduce(state, key: .right) }
            }
            #expect(state.budgetResult?.exitCounts.reduce(0, +) == 50_000)
            print("5 slider moves on 50,000 x 8, \(mode.title):", elapsed)
            #expect(elapsed < .milliseconds(5 * 200), "5 slider moves (\(mode.title)) took \(elapsed)")
        }
    }
}
