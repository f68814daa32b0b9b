import Datasets
import ExitPolicies
import NeuralEngine

/// A budget held on a stream: images one at a time in arrival order, each run by real early exit with the
/// controller's current thresholds, its counted FLOPs fed back.
public struct StreamInferenceRun: Sendable {
    /// Exits, costs and correctness in arrival order (correctness against the dataset's labels).
    public var run: StreamRun
    /// Statistics at each image's exit (class, confidence).
    public var statistics: [SampleExitStatistics]
    /// Time spent in the executor.
    public var elapsed: Duration
    /// Images per second of executor time.
    public var imagesPerSecond: Double { Double(run.count) / max(elapsed.seconds, 1e-12) }
}

extension EarlyExitExecutor {
    /// Runs every image of `dataset` in file order under `controller` (its policy must be the executor's);
    /// `progress(done, total, controller)` after each image.
    public func runStream(
        dataset: Dataset, normalization: Normalization, controller: inout StreamBudgetController,
        progress: ((Int, Int, StreamBudgetController) -> Void)? = nil
    ) throws -> StreamInferenceRun {
        guard controller.policy == policy, controller.cumulativeFlops.count == model.exitCount else {
            throw InferenceError.invalidArgument(
                "stream controller for \(controller.policy) over \(controller.cumulativeFlops.count) exits, executor "
                    + "for \(policy) over \(model.exitCount)")
        }
        try InputCheck.check(dataset, fits: model, context: "stream inference")
        let images = try ExitBenchmark.assemble(dataset, normalization: normalization, batchSize: 1)
        var run = StreamRun()
        var statistics: [SampleExitStatistics] = []
        var elapsed = Duration.zero
        let clock = ContinuousClock()
        for (index, image) in images.enumerated() {
            let start = clock.now
            let result = try self.run(image, thresholds: controller.thresholds)
            elapsed += clock.now - start
            controller.observe(flops: result.executedFlops[0])
            run.append(
                exit: result.exitIndex[0], flops: result.executedFlops[0],
                correct: result.predicted[0] == dataset.labels[index])
            statistics.append(result.statistics[0])
            progress?(index + 1, images.count, controller)
        }
        return StreamInferenceRun(run: run, statistics: statistics, elapsed: elapsed)
    }
}
