import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine
import Testing

@Suite struct CompactionTests {
    /// (4, 2, 3): value = 100 * row + position within the row.
    let source = Tensor(shape: [4, 2, 3], values: (0..<24).map { index in Float(100 * (index / 6) + index % 6) })

    @Test func gathersRowsInTheGivenOrder() throws {
        let gathered = try BatchCompaction.gatherRows(source, rows: [3, 1])
        #expect(gathered.shape == [2, 2, 3])
        let expected: [Float] = [300, 301, 302, 303, 304, 305, 100, 101, 102, 103, 104, 105]
        #expect(gathered.array == expected)
    }

    @Test func keepingEveryRowCopiesTheTensor() throws {
        let gathered = try BatchCompaction.gatherRows(source, rows: [0, 1, 2, 3])
        #expect(gathered.shape == source.shape)
        #expect(gathered.array == source.array)
    }

    @Test func keepingNoRowGivesAnEmptyBatch() throws {
        let gathered = try BatchCompaction.gatherRows(source, rows: [])
        #expect(gathered.shape == [0, 2, 3])
        #expect(gathered.count == 0)
    }

    @Test func refusesRowsOutsideTheBatch() {
        #expect(throws: InferenceError.self) { try BatchCompaction.gatherRows(source, rows: [0, 4]) }
        #expect(throws: InferenceError.self) { try BatchCompaction.gatherRows(source, rows: [-1]) }
    }

    @Test func refusesAWrongDestinationOrAScalar() {
        #expect(throws: InferenceError.self) {
            try BatchCompaction.gatherRows(source, rows: [0, 1], into: Tensor(zeros: [2, 3, 2]))
        }
        #expect(throws: InferenceError.self) { try BatchCompaction.gatherRows(Tensor(zeros: []), rows: [0]) }
    }

    @Test func compactedStateFeedsTheNextStageExactlyThoseSamples() throws {
        // Stage 1 run on a compacted state must equal stage 1 run on those samples alone from the start.
        let model = try TinyModel.model()
        let images = try ExitBenchmarkSupport.images(count: 8)
        let keep = [6, 1, 4]
        let graph = Graph(training: false, recordsGradients: false)
        let arena = Arena()
        let full = try model.stage(0, graph, try model.begin(graph, graph.input(images)))
        let compacted = try BatchCompaction.compact(full.state, rows: keep, graph: graph, arena: arena)
        for (node, original) in zip(compacted, full.state) {
            let expected: [Int] = [keep.count] + original.shape.dropFirst()
            #expect(node.shape == expected)
        }
        let fromCompacted = try model.stage(1, graph, compacted).logits

        let alone = Graph(training: false, recordsGradients: false)
        let subset = alone.input(try BatchCompaction.gatherRows(images, rows: keep))
        let fromSubset = try model.stage(1, alone, try model.stage(0, alone, try model.begin(alone, subset)).state)
        for (a, b) in zip(fromCompacted, fromSubset.logits) {
            #expect(a.shape == b.shape)
            let largest = zip(a.value.array, b.value.array).map { abs($0 - $1) }.max() ?? 0
            #expect(largest < 1e-4)
        }
    }

    @Test func nobodyExitingLeavesTheBatchWhole() throws {
        let model = try TinyModel.model()
        let executor = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: .perExit([nil, 0]))
        let result = try executor.run(try ExitBenchmarkSupport.images(count: 9))
        #expect(result.samplesPerSegment == [9, 9, 0])
        #expect(result.exitIndex == [Int](repeating: 1, count: 9))
    }

    @Test func everyoneExitingStopsBeforeTheNextStage() throws {
        let model = try TinyModel.model()
        let executor = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: .global(0))
        let result = try executor.run(try ExitBenchmarkSupport.images(count: 9))
        #expect(result.samplesPerSegment == [9, 0, 0])
        #expect(result.exitIndex == [Int](repeating: 0, count: 9))
    }

    @Test func aSingleImageStopsAtItsExit() throws {
        let model = try TinyModel.model()
        let evaluation = try TinyModel.evaluation()
        let image = try ExitBenchmarkSupport.images(count: 1)
        for (thresholds, segments, exit) in [
            (Thresholds.global(0), [1, 0, 0], 0), (.perExit([nil, 0]), [1, 1, 0], 1),
            (.perExit([nil, nil]), [1, 1, 1], 2),
        ] {
            let result = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: thresholds).run(image)
            #expect(result.samplesPerSegment == segments)
            #expect(result.exitIndex == [exit])
            #expect(result.predicted == [evaluation.outputs.predicted[evaluation.outputs.index(exit: exit, sample: 0)]])
        }
    }

    @Test func aPartlyExitingBatchRunsTheNextStageOnTheRestOnly() throws {
        let evaluation = try TinyModel.evaluation()
        let threshold = try ThresholdPicker.pick(evaluation.outputs, policy: .maxProb, quantile: 0.5)
        let executor = try EarlyExitExecutor(
            model: try TinyModel.model(), policy: .maxProb,
            thresholds: .global(threshold))
        let result = try executor.run(try ExitBenchmarkSupport.images(count: 32))
        let leftAtFirst = result.exitIndex.filter { $0 == 0 }.count
        #expect(leftAtFirst > 0 && leftAtFirst < 32)
        let leftAtSecond = result.exitIndex.filter { $0 == 1 }.count
        #expect(result.samplesPerSegment == [32, 32 - leftAtFirst, 32 - leftAtFirst - leftAtSecond])
    }
}

/// Normalised test images as one tensor.
enum ExitBenchmarkSupport {
    static func images(count: Int) throws -> Tensor {
        let data = try TinyModel.test().prefix(count)
        let loader = try Datasets.BatchLoader.evaluation(
            dataset: data, batchSize: count,
            normalization: TinyModel.normalization)
        let batch = loader.batch(epoch: 0, index: 0)
        return Tensor(shape: [count, batch.channels, batch.height, batch.width], values: batch.images)
    }
}
