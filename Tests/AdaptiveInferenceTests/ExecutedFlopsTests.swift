import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import ModelConfigs
import NeuralEngine
import Testing

/// Real early exit stops at every exit: the FLOPs the engine counts for an image are the cost model's cumulative
/// FLOPs at the exit it left at, for RANet (several exits per sub-network) and MSDNet (one per block).
@Suite struct ExecutedFlopsTests {
    enum Architecture: String, CaseIterable, Sendable { case ranet, msdnet }

    static func model(_ architecture: Architecture) throws -> any EarlyExitNetwork {
        switch architecture {
        case .ranet: return try TinyModel.model()
        case .msdnet: return try TinyModel.msdnet()
        }
    }

    @Test(arguments: Architecture.allCases, [1, 16])
    func executedFlopsAreTheExitsCumulativeFlops(_ architecture: Architecture, batchSize: Int) throws {
        let model = try Self.model(architecture)
        let test = try TinyModel.test()
        let evaluation = try ExitEvaluator(model: model, normalization: TinyModel.normalization, batchSize: 64)
            .evaluate(test, keepLogits: false)
        let threshold = try ThresholdPicker.pick(evaluation.outputs, policy: .maxProb, quantile: 0.4)
        let simulation = try evaluation.outputs.simulate(
            policy: .maxProb, thresholds: .global(threshold), cumulativeFlops: evaluation.cumulativeFlops)
        let run = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: .global(threshold))
            .run(dataset: test, normalization: TinyModel.normalization, batchSize: batchSize)
        #expect(run.exitIndex == simulation.exitIndex)
        // Several exits used, one of them in the middle of a RANet sub-network (exit 1 of the tiny model).
        #expect(Set(run.exitIndex).count >= 2, "exits \(run.exitIndex)")
        let cost = try model.cost()
        for sample in 0..<run.sampleCount {
            #expect(
                run.executedFlopsPerSample[sample] == Double(cost.cumulativeFlops[run.exitIndex[sample]]),
                "image \(sample) left at exit \(run.exitIndex[sample])")
        }
        #expect(abs(run.executedFlops - simulation.expectedFlops) < 1e-9 * simulation.expectedFlops)
    }

    @Test func everyRANetExitStopsItsSegment() throws {
        // Forcing each exit in turn: the image pays that exit's cumulative FLOPs and no later segment runs.
        let model = try TinyModel.model()
        let cost = try model.cost()
        let image = try ExitBenchmarkSupport.images(count: 1)
        for exit in 0..<model.exitCount {
            let thresholds = Thresholds.perExit((0..<(model.exitCount - 1)).map { $0 == exit ? 0 : nil })
            let result = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: thresholds).run(image)
            #expect(result.exitIndex == [exit])
            #expect(result.executedFlops == [Double(cost.cumulativeFlops[exit])])
            #expect(result.samplesPerSegment == (0..<model.exitCount).map { $0 <= exit ? 1 : 0 })
        }
    }

    @Test func segmentsReproduceTheStagesLogits() throws {
        // Segment by segment (compacting nothing) gives the same logits as the sub-network stages.
        let model = try TinyModel.model()
        let images = try ExitBenchmarkSupport.images(count: 5)
        let staged = Graph(training: false, recordsGradients: false)
        let reference = try model.forward(staged, staged.input(images))
        let segmented = Graph(training: false, recordsGradients: false)
        var state = try model.begin(segmented, segmented.input(images))
        for exit in 0..<model.exitCount {
            let (logits, next) = try model.segment(exit, segmented, state)
            #expect(logits.value.array == reference[exit].value.array, "exit \(exit)")
            state = next
        }
    }

    @Test func aStoppedBatchAnswersWithTheDeepestFinishedExit() throws {
        let model = try TinyModel.model()
        let evaluation = try TinyModel.evaluation()
        let images = try ExitBenchmarkSupport.images(count: 4)
        let executor = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: .perExit([nil, nil]))
        var asked: [Int] = []
        let result = try executor.run(images, thresholds: .perExit([nil, nil])) { exit in
            asked.append(exit)
            return exit < 2
        }
        #expect(asked == [1, 2])
        #expect(result.exitIndex == [1, 1, 1, 1])
        #expect(result.samplesPerSegment == [4, 4, 0])
        for sample in 0..<4 {
            let reference = evaluation.outputs.statistics(exit: 1, sample: sample)
            #expect(result.predicted[sample] == reference.predicted)
            #expect(abs(result.statistics[sample].maxProb - reference.maxProb) < 1e-5)
        }
    }
}
