import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine
import Testing

/// Images of the wrong size or channel count are refused with a clear error, never resized.
@Suite struct InputCheckTests {
    @Test func evaluationRefusesImagesOfAnotherSize() throws {
        let large = try Dataset.synthetic(classes: 4, channels: 1, height: 16, width: 16, count: 4)
        let evaluator = try ExitEvaluator(model: try TinyModel.model(), normalization: TinyModel.normalization)
        #expect(
            throws: InferenceError.inputShapeMismatch(
                context: "evaluation", expected: [1, 12, 12],
                found: [1, 16, 16])
        ) {
            try evaluator.evaluate(large)
        }
    }

    @Test func executorRefusesImagesWithAnotherChannelCount() throws {
        let rgb = try TinyModel.test().prefix(4).converted(toChannels: 3)
        let executor = try EarlyExitExecutor(model: try TinyModel.model(), policy: .maxProb, thresholds: .global(0.5))
        let error = #expect(throws: InferenceError.self) {
            try executor.run(dataset: rgb, normalization: .unit(channels: 3), batchSize: 2)
        }
        #expect(
            error
                == .inputShapeMismatch(
                    context: "early-exit inference", expected: [1, 12, 12],
                    found: [3, 12, 12]))
        #expect(error?.description.contains("refused, not resized") == true)
        #expect(throws: InferenceError.self) { try executor.run(Tensor(zeros: [2, 3, 12, 12])) }
        #expect(throws: InferenceError.self) { try executor.run(Tensor(zeros: [1, 12, 12])) }
        #expect(throws: InferenceError.self) { try executor.run(Tensor(zeros: [0, 1, 12, 12])) }
    }

    @Test func benchmarkRefusesMismatchedImagesAndArguments() throws {
        let model = try TinyModel.model()
        let test = try TinyModel.test()
        let small = try Dataset.synthetic(classes: 4, channels: 1, height: 8, width: 8, count: 4)
        #expect(throws: InferenceError.self) {
            try ExitBenchmark.run(
                model: model, dataset: small, normalization: TinyModel.normalization, batchSize: 2,
                policy: .maxProb, thresholds: .global(0.5))
        }
        #expect(throws: InferenceError.self) {
            try ExitBenchmark.run(
                model: model, dataset: test, normalization: TinyModel.normalization, batchSize: 0,
                policy: .maxProb, thresholds: .global(0.5))
        }
        #expect(throws: InferenceError.self) {
            try ExitBenchmark.run(
                model: model, dataset: test, normalization: TinyModel.normalization, batchSize: 8,
                policy: .maxProb, thresholds: .global(0.5), repetitions: 0)
        }
    }

    @Test func refusesADatasetWithOtherClassesOrNoImages() throws {
        let model = try TinyModel.model()
        let evaluator = try ExitEvaluator(model: model, normalization: TinyModel.normalization)
        let sixClasses = try Dataset.synthetic(classes: 6, channels: 1, height: 12, width: 12, count: 6)
        #expect(throws: InferenceError.self) { try evaluator.evaluate(sixClasses) }
        #expect(throws: InferenceError.self) { try evaluator.evaluate(try TinyModel.test().prefix(0)) }
        #expect(throws: InferenceError.self) {
            try ExitEvaluator(model: model, normalization: TinyModel.normalization, batchSize: 0)
        }
    }

    @Test func executorRefusesThresholdsOutsideThePolicyRange() throws {
        let model = try TinyModel.model()
        #expect(throws: ExitPolicyError.self) {
            try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: .global(1.5))
        }
        #expect(throws: ExitPolicyError.self) {
            try EarlyExitExecutor(model: model, policy: .entropy, thresholds: .perExit([0.1, -0.2]))
        }
        #expect(throws: ExitPolicyError.self) {
            try EarlyExitExecutor(model: model, policy: .margin, thresholds: .perExit([0.1]))
        }
    }
}
