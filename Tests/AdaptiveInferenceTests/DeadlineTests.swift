import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine
import Testing

@Suite struct DeadlineTests {
    static func runner(
        thresholds: Thresholds = .perExit([nil, nil]), profile: LatencyProfile
    ) throws
        -> DeadlineInference
    {
        try DeadlineInference(
            executor: try EarlyExitExecutor(model: try TinyModel.model(), policy: .maxProb, thresholds: thresholds),
            profile: profile)
    }

    @Test func profileTimesEverySegment() throws {
        let images = try (0..<3).map { _ in try ExitBenchmarkSupport.images(count: 1) }
        let profile = try LatencyProfile.measure(model: try TinyModel.model(), images: images, count: 12)
        #expect(profile.segmentSeconds.count == 3 && profile.images == 12 && profile.quantile == 0.99)
        #expect(profile.segmentSeconds.allSatisfy { $0 > 0 })
        #expect(
            profile.exitSeconds == [
                profile.segmentSeconds[0], profile.segmentSeconds[0] + profile.segmentSeconds[1],
                profile.segmentSeconds[0] + profile.segmentSeconds[1] + profile.segmentSeconds[2],
            ])
        #expect(throws: InferenceError.self) {
            try LatencyProfile.measure(
                model: try TinyModel.model(), images: [try ExitBenchmarkSupport.images(count: 2)])
        }
    }

    @Test func aGenerousDeadlineReachesTheLastExitInTime() throws {
        let runner = try Self.runner(
            profile: LatencyProfile(segmentSeconds: [1e-6, 1e-6, 1e-6], quantile: 1, images: 1))
        let run = try runner.run(
            dataset: try TinyModel.test().prefix(6), normalization: TinyModel.normalization, deadline: 60)
        #expect(run.answers.map(\.exit) == [Int](repeating: 2, count: 6))
        #expect(run.misses == 0)
        #expect(run.meanLatency > 0 && run.p99Latency >= run.meanLatency)
        let evaluation = try TinyModel.evaluation()
        #expect(
            run.answers.enumerated().allSatisfy { sample, answer in
                answer.statistics.predicted
                    == evaluation.outputs.predicted[evaluation.outputs.index(exit: 2, sample: sample)]
            })
    }

    @Test func aSegmentThatCannotFinishIsNeverStarted() throws {
        // The profile says exit 1's segment takes an hour: every image is answered by exit 0, in time.
        let runner = try Self.runner(
            profile: LatencyProfile(segmentSeconds: [1e-6, 3600, 1e-6], quantile: 1, images: 1))
        let run = try runner.run(
            dataset: try TinyModel.test().prefix(5), normalization: TinyModel.normalization, deadline: 60)
        #expect(run.exitCounts(exitCount: 3) == [5, 0, 0])
        #expect(run.misses == 0)
    }

    @Test func aDeadlineBelowTheFirstExitIsAnsweredByItAndMissed() throws {
        let runner = try Self.runner(
            profile: LatencyProfile(segmentSeconds: [1e-3, 1e-3, 1e-3], quantile: 1, images: 1))
        let run = try runner.run(
            dataset: try TinyModel.test().prefix(4), normalization: TinyModel.normalization, deadline: 0)
        #expect(run.answers.map(\.exit) == [0, 0, 0, 0])
        #expect(run.misses == 4)
        #expect(run.answers.allSatisfy { $0.statistics.maxProb > 0 })
    }

    @Test func aConfidentExitEndsTheImageBeforeTheDeadline() throws {
        let runner = try Self.runner(
            thresholds: .global(0), profile: LatencyProfile(segmentSeconds: [1e-6, 1e-6, 1e-6], quantile: 1, images: 1))
        let run = try runner.run(
            dataset: try TinyModel.test().prefix(4), normalization: TinyModel.normalization, deadline: 60)
        #expect(run.exitCounts(exitCount: 3) == [4, 0, 0])
        #expect(run.accuracy >= 0 && run.accuracy <= 1)
    }

    @Test func refusesAProfileOfAnotherModelOrABatch() throws {
        #expect(throws: InferenceError.self) {
            try Self.runner(profile: LatencyProfile(segmentSeconds: [1, 1], quantile: 1, images: 1))
        }
        let runner = try Self.runner(profile: LatencyProfile(segmentSeconds: [1, 1, 1], quantile: 1, images: 1))
        #expect(throws: InferenceError.self) {
            try runner.answer(try ExitBenchmarkSupport.images(count: 2), deadline: 1)
        }
    }
}
