@testable import AdaptiveInference
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

/// Batches split into parts by the size of the model's feature maps (`EngineThreads.inferenceParts`).
@Suite struct EvaluationPartsTests {
    @Test func partsKeepEachWithinTheBudgetAndAtLeastOnePerThread() {
        for images in [1, 2, 7, 16, 63, 64, 256] {
            for threads in [1, 2, 3, 8] {
                for imageFloats in [1, 1000, 32144, 107_520, 3_000_000] {
                    let budget = EngineThreads.inferencePartBudgetFloats
                    let parts = EngineThreads.inferenceParts(images: images, threads: threads, imageFloats: imageFloats)
                    let label = "\(images) images, \(threads) threads, \(imageFloats) floats: \(parts) parts"
                    #expect(parts >= min(images, threads) && parts <= images, "\(label)")
                    let largest = (images + parts - 1) / parts
                    #expect(largest * imageFloats <= budget || largest == 1, "\(label) exceed the budget")
                    // No fewer parts would do: one less would exceed the budget or leave a thread idle.
                    if parts > max(1, min(images, threads)) {
                        #expect((images + parts - 2) / (parts - 1) * imageFloats > budget, "\(label) are too many")
                    }
                }
            }
        }
        #expect(EngineThreads.inferenceParts(images: 64, threads: 1, imageFloats: 107_520) == 4)
        #expect(EngineThreads.inferenceParts(images: 64, threads: 2, imageFloats: 32144) == 2)
    }

    /// The tiny model's batch of 64 in parts of 1, 2 or 3 images, run one after another (one worker), gives the
    /// logits of the whole batch up to the order of float additions (a GEMM over fewer images may sum in another
    /// order), and the same predictions. (Parts on several threads change the process-wide thread count, so
    /// CLITests run them in a child process: `ranet eval` at 1 and 3 threads.)
    @Test func logitsDoNotDependOnTheParts() throws {
        let model = try TinyModel.model()
        let whole = try #require(TinyModel.evaluation().logits)
        let imageFloats = try model.widestFeatureMapFloats()
        #expect(imageFloats >= 4 * 12 * 12, "the widest map holds at least the first scale's channels")
        for (workers, perPart) in [(1, 1), (1, 2), (1, 3)] {
            var evaluator = try ExitEvaluator(
                model: model, normalization: TinyModel.normalization, batchSize: 64, workers: workers)
            evaluator.partBudgetFloats = perPart * imageFloats
            #expect(
                EngineThreads.inferenceParts(
                    images: 64, threads: workers, imageFloats: imageFloats, budgetFloats: evaluator.partBudgetFloats)
                    == (64 + perPart - 1) / perPart)
            let evaluation = try evaluator.evaluate(try TinyModel.test(), keepLogits: true)
            let parts = try #require(evaluation.logits)
            let largest = whole.map(abs).max() ?? 1
            let error = zip(parts, whole).map { abs($0 - $1) }.max() ?? 0
            #expect(parts.count == whole.count && error <= 1e-5 * largest, "workers \(workers), \(perPart) per part")
            let wholePredictions = try TinyModel.evaluation().outputs.predicted
            #expect(evaluation.outputs.predicted == wholePredictions)
        }
    }
}
