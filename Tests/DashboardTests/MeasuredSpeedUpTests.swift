import ExperimentRecords
import Testing

@testable import Dashboard

@Suite struct MeasuredSpeedUpTests {
    static func record(
        policy: String = "maxprob", flopsRatio: Double, timeRatio: Double, batchSize: Int = 64
    )
        -> ExitBenchmarkRecord
    {
        ExitBenchmarkRecord(
            runID: 1, policy: policy, host: "box", threads: 2, batchSize: batchSize,
            resultJSON: #"{"flopsRatio":\#(flopsRatio),"timeRatio":\#(timeRatio)}"#)
    }

    @Test func picksTheLatestMeasurementOfTheSameRule() {
        let records = [
            Self.record(flopsRatio: 0.5, timeRatio: 0.6, batchSize: 1),
            Self.record(policy: "entropy", flopsRatio: 0.5, timeRatio: 0.9),
            Self.record(flopsRatio: 0.505, timeRatio: 0.55),
            Self.record(flopsRatio: 0.7, timeRatio: 0.75),
        ]
        #expect(
            MeasuredSpeedUp.matching(records, policy: "maxprob", flopsRatio: 0.5)
                == MeasuredSpeedUp(speedUp: 1 / 0.55, batchSize: 64, threads: 2))
        #expect(MeasuredSpeedUp.matching(records, policy: "entropy", flopsRatio: 0.5)?.speedUp == 1 / 0.9)
        #expect(MeasuredSpeedUp.matching(records, policy: "maxprob", flopsRatio: 0.6) == nil)
        #expect(MeasuredSpeedUp.matching(records, policy: "margin", flopsRatio: 0.5) == nil)
        #expect(MeasuredSpeedUp.matching([], policy: "maxprob", flopsRatio: 0.5) == nil)
    }

    @Test(arguments: snapshotSizes)
    func budgetViewShowsTheMeasuredSpeedUpNextToTheFlopsOne(size: Size) throws {
        var state = loadedState(view: .budget)
        let result = try #require(state.budgetResult)
        var data = try FakeDataSource().snapshot(detailsFor: [1, 2, 3])
        let last = try #require(data.details[1]?.exits.last?.cumulativeMFLOPs)
        data.details[1]?.exitBenchmarks = [
            Self.record(flopsRatio: result.averageMFLOPs / last, timeRatio: 1.15 / result.speedUp)
        ]
        state = reduce(state, .dataLoaded(data))
        let text = render(state, size: size).text
        #expect(text.contains("x measured"))
        try assertSnapshot(render(state, size: size), named: "budget-measured-\(size.width)x\(size.height)")
    }
}
