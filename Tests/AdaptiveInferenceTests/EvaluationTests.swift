import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine
import Testing

@Suite struct EvaluationTests {
    @Test func outputsAreTheStatisticsOfTheKeptLogits() throws {
        let evaluation = try TinyModel.evaluation()
        let model = try TinyModel.model()
        let logits = try #require(evaluation.logits)
        #expect(logits.count == model.exitCount * 64 * model.classes)
        let fromLogits = try ExitOutputs(
            logits: logits, exitCount: model.exitCount, sampleCount: 64,
            classCount: model.classes, labels: try TinyModel.test().labels)
        #expect(evaluation.outputs == fromLogits)
    }

    @Test func logitsEqualADirectForwardPass() throws {
        let model = try TinyModel.model()
        let evaluation = try TinyModel.evaluation()
        let graph = Graph(training: false, recordsGradients: false)
        let direct = try model.forward(graph, graph.input(try ExitBenchmarkSupport.images(count: 64)))
        let logits = try #require(evaluation.logits)
        for (exit, node) in direct.enumerated() {
            let stride = 64 * model.classes
            #expect(Array(logits[exit * stride..<(exit + 1) * stride]) == node.value.array)
        }
    }

    @Test func anytimeTablePairsEachExitsAccuracyWithItsCost() throws {
        let evaluation = try TinyModel.evaluation()
        let cost = try TinyModel.model().cost()
        #expect(evaluation.cost == cost)
        #expect(evaluation.anytime.map(\.exit) == [0, 1, 2])
        #expect(evaluation.anytime.map(\.subnetwork) == cost.exitStage)
        #expect(evaluation.anytime.map(\.cumulativeFlops) == cost.cumulativeFlops)
        #expect(evaluation.anytime.map(\.accuracy) == evaluation.outputs.exitAccuracies)
        // Trained for a few steps on easy stripes: every exit does far better than chance (1/4).
        #expect(evaluation.anytime.allSatisfy { $0.accuracy > 0.5 })
        #expect(evaluation.cumulativeFlops == cost.cumulativeFlops.map(Int64.init))
    }

    @Test func accuracyCountsRightPredictionsPerExit() throws {
        let outputs = try TinyModel.evaluation().outputs
        for exit in 0..<outputs.exitCount {
            let right = (0..<outputs.sampleCount).filter {
                outputs.predicted[outputs.index(exit: exit, sample: $0)] == outputs.labels[$0]
            }.count
            #expect(outputs.exitAccuracies[exit] == Double(right) / Double(outputs.sampleCount))
        }
    }

    @Test func progressReportsEveryBatchUpToTheTotal() throws {
        let data = try TinyModel.test().prefix(20)
        let evaluator = try ExitEvaluator(
            model: try TinyModel.model(), normalization: TinyModel.normalization,
            batchSize: 8)
        let reports = ProgressLog()
        let evaluation = try evaluator.evaluate(data) { done, total in reports.add(done, total) }
        #expect(reports.entries.map(\.0) == [8, 16, 20])
        #expect(reports.entries.allSatisfy { $0.1 == 20 })
        #expect(evaluation.logits == nil)
        #expect(evaluation.outputs.sampleCount == 20)
    }

    @Test func batchSizeChangesNoPrediction() throws {
        // Rows are independent in eval mode; only BLAS rounding may differ between batch sizes.
        let reference = try TinyModel.evaluation().outputs
        let evaluator = try ExitEvaluator(
            model: try TinyModel.model(), normalization: TinyModel.normalization,
            batchSize: 5)
        let outputs = try evaluator.evaluate(try TinyModel.test()).outputs
        #expect(outputs.predicted == reference.predicted)
        let largest = zip(outputs.maxProb, reference.maxProb).map { abs($0 - $1) }.max() ?? 0
        #expect(largest < 1e-5)
    }

    @Test func zeroWorkersAreRefused() {
        // Splitting itself is tested through `ranet eval` in a child process (CLITests): it changes the process-wide
        // thread count while it runs, which other suites' bitwise comparisons in this process must not see.
        #expect(throws: InferenceError.self) {
            try ExitEvaluator(model: try TinyModel.model(), normalization: TinyModel.normalization, workers: 0)
        }
    }
}

/// Collects progress callbacks (called on the evaluating thread).
final class ProgressLog: @unchecked Sendable {
    private(set) var entries: [(Int, Int)] = []
    func add(_ done: Int, _ total: Int) { entries.append((done, total)) }
}
