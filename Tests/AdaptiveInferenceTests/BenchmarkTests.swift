import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import Foundation
import Testing

@Suite struct BenchmarkTests {
    @Test func benchmarkAgreesWithTheSimulationAndReportsItsRatios() throws {
        let model = try TinyModel.model()
        let test = try TinyModel.test()
        let evaluation = try TinyModel.evaluation()
        let threshold = try ThresholdPicker.pick(evaluation.outputs, policy: .maxProb, quantile: 0.5)
        let result = try ExitBenchmark.run(
            model: model, dataset: test, normalization: TinyModel.normalization,
            batchSize: 16, policy: .maxProb, thresholds: .global(threshold),
            repetitions: 1)
        let simulation = try evaluation.outputs.simulate(
            policy: .maxProb, thresholds: .global(threshold),
            cumulativeFlops: evaluation.cumulativeFlops)
        let last = Double(evaluation.cost.cumulativeFlops.last!)
        #expect(result.batchSize == 16)
        #expect(result.agreesWithSimulation)
        #expect(result.disagreements == 0 && result.disagreementsAtThresholds == 0)
        #expect(abs(result.flopsRatio - simulation.expectedFlops / last) < 1e-9)
        #expect(result.flopsRatio < 1 && result.flopsRatio >= Double(evaluation.cost.cumulativeFlops[0]) / last)
        // Every image stops at its exit, so the engine's count of the work done is the cost model's.
        #expect(abs(result.executedFlopsRatio - result.flopsRatio) < 1e-9)
        #expect(result.allExitsImagesPerSecond > 0 && result.earlyExitImagesPerSecond > 0)
        #expect(abs(result.timeRatio - result.allExitsImagesPerSecond / result.earlyExitImagesPerSecond) < 1e-9)
        #expect(abs(result.accuracy - simulation.accuracy) < 1e-12)
    }

    @Test func resultEncodesTheBenchExitJsonKeys() throws {
        let result = ExitBenchmarkResult(
            batchSize: 64, flopsRatio: 0.5, timeRatio: 0.6, allExitsImagesPerSecond: 100,
            earlyExitImagesPerSecond: 160, agreesWithSimulation: true,
            executedFlopsRatio: 0.55, disagreements: 0,
            disagreementsAtThresholds: 0, accuracy: 0.9)
        let data = try JSONEncoder().encode(result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "batchSize", "flopsRatio", "timeRatio", "allExitsImagesPerSecond", "earlyExitImagesPerSecond",
            "agreesWithSimulation",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(try JSONDecoder().decode(ExitBenchmarkResult.self, from: data) == result)
    }

    @Test func runChecksItsPerSampleCounts() throws {
        let statistics = [SampleExitStatistics](
            repeating: SampleExitStatistics(maxProb: 1, entropy: 0, margin: 1, predicted: 0), count: 4)
        let run = try EarlyExitRun(
            exitIndex: [0, 1, 2, 1], statistics: statistics, labels: [0, 0, 0, 0],
            samplesPerSegment: [4, 3, 1], executedFlops: [10, 20, 30, 20], batchSize: 4, elapsed: .seconds(1))
        #expect(try run.expectedFlops(cumulativeFlops: [10, 20, 30]) == 20)
        #expect(run.executedFlops == 20)
        #expect(run.imagesPerSecond == 4)
        #expect(throws: InferenceError.self) { try run.expectedFlops(cumulativeFlops: [1, 2]) }
        #expect(throws: InferenceError.self) {
            try EarlyExitRun(
                exitIndex: [0, -1], statistics: Array(statistics.prefix(2)), labels: [0, 0],
                samplesPerSegment: [2, 0], executedFlops: [1, 1], batchSize: 2, elapsed: .seconds(1))
        }
        #expect(throws: InferenceError.self) {
            try EarlyExitRun(
                exitIndex: [0], statistics: [], labels: [0], samplesPerSegment: [1, 0], executedFlops: [1],
                batchSize: 1, elapsed: .seconds(1))
        }
        #expect(throws: InferenceError.self) {
            try EarlyExitRun(
                exitIndex: [0], statistics: Array(statistics.prefix(1)), labels: [0], samplesPerSegment: [1, 0],
                executedFlops: [], batchSize: 1, elapsed: .seconds(1))
        }
    }

    @Test func disagreementsAtThresholdsAreTiesOnly() throws {
        // Sample 0 sits exactly on the threshold at exit 0 (a tie rounding may tip); sample 1 is far from it.
        let outputs = try ExitOutputs(
            exitCount: 2, sampleCount: 2, classCount: 2, labels: [0, 0],
            maxProb: [0.7, 0.9, 0.8, 0.95], entropy: [0.5, 0.3, 0.4, 0.2],
            margin: [0.4, 0.8, 0.6, 0.9], predicted: [0, 0, 0, 0])
        let simulation = try outputs.simulate(policy: .maxProb, thresholds: .global(0.7), cumulativeFlops: [1, 2])
        #expect(simulation.exitIndex == [0, 0])
        let statistics = (0..<2).map { outputs.statistics(exit: 1, sample: $0) }
        let run = try EarlyExitRun(
            exitIndex: [1, 1], statistics: statistics, labels: [0, 0], samplesPerSegment: [2, 2],
            executedFlops: [2, 2], batchSize: 2, elapsed: .seconds(1))
        #expect(run.disagreements(with: simulation, outputs: outputs) == [0, 1])
        #expect(
            run.disagreementsAtThresholds(
                with: simulation, outputs: outputs, policy: .maxProb,
                thresholds: .global(0.7)) == [0])
    }
}
