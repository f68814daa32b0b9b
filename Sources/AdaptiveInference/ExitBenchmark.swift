import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine

/// The result of `ExitBenchmark.run`: all-exits inference against real early exit on the same images.
public struct ExitBenchmarkResult: Codable, Sendable, Equatable {
    /// Images per forward pass.
    public var batchSize: Int
    /// Expected FLOPs under the thresholds (sum_k share_k * F_k) divided by the last exit's FLOPs.
    public var flopsRatio: Double
    /// Early-exit time divided by all-exits time (compare with `flopsRatio`; lower is better).
    public var timeRatio: Double
    /// Throughput computing every exit for every image.
    public var allExitsImagesPerSecond: Double
    /// Throughput of real early exit.
    public var earlyExitImagesPerSecond: Double
    /// Whether real early exit chose the same exit and class as the simulation for every image.
    public var agreesWithSimulation: Bool
    /// FLOPs the executor really spent (counted by the engine, see `EarlyExitRun.executedFlops`) over the last exit's
    /// FLOPs: equal to `flopsRatio` when every image stops at its exit.
    public var executedFlopsRatio: Double
    /// Images whose exit or class differs between executor and simulation.
    public var disagreements: Int
    /// Of `disagreements`, those explained by a confidence within 1e-5 of a threshold (see
    /// `EarlyExitRun.disagreementsAtThresholds`).
    public var disagreementsAtThresholds: Int
    /// Accuracy of real early exit, in [0, 1].
    public var accuracy: Double
    /// Per-exit latency of one image (batch 1) on this machine, what deadlines are planned with (nil: not measured).
    public var latencyProfile: LatencyProfile?

    /// Creates a result.
    public init(
        batchSize: Int, flopsRatio: Double, timeRatio: Double, allExitsImagesPerSecond: Double,
        earlyExitImagesPerSecond: Double, agreesWithSimulation: Bool, executedFlopsRatio: Double,
        disagreements: Int, disagreementsAtThresholds: Int, accuracy: Double, latencyProfile: LatencyProfile? = nil
    ) {
        self.batchSize = batchSize
        self.flopsRatio = flopsRatio
        self.timeRatio = timeRatio
        self.allExitsImagesPerSecond = allExitsImagesPerSecond
        self.earlyExitImagesPerSecond = earlyExitImagesPerSecond
        self.agreesWithSimulation = agreesWithSimulation
        self.executedFlopsRatio = executedFlopsRatio
        self.disagreements = disagreements
        self.disagreementsAtThresholds = disagreementsAtThresholds
        self.accuracy = accuracy
        self.latencyProfile = latencyProfile
    }
}

/// The library side of `ranet bench-exit`: times every exit computed for every image against real early exit.
public enum ExitBenchmark {
    /// Times both modes on every image of `dataset` (assembled once up front, so only model work is timed), the
    /// best of `repetitions` passes each, after one untimed warm-up batch; thresholds are validated and images of
    /// another shape than the model's are refused. Then, unless `latencyImages` is 0, the per-exit latency profile
    /// of one image at a time is measured on that many images (cycling through the first few).
    public static func run(
        model: any EarlyExitNetwork, dataset: Dataset, normalization: Normalization,
        batchSize: Int, policy: ExitPolicy, thresholds: Thresholds,
        repetitions: Int = 3, latencyImages: Int = LatencyProfile.defaultImages
    ) throws -> ExitBenchmarkResult {
        try InputCheck.checkAtLeastOne(repetitions, "repetitions", context: "bench-exit")
        try InputCheck.checkAtLeastOne(batchSize, "batch size", context: "bench-exit")
        try InputCheck.check(dataset, fits: model, context: "bench-exit")
        let batches = try assemble(dataset, normalization: normalization, batchSize: batchSize)
        let runner = AllExitsRunner(model: model)
        let executor = try EarlyExitExecutor(model: model, policy: policy, thresholds: thresholds)
        _ = try runner.run(batches[0])
        _ = try executor.run(batches[0])
        var allTime = Duration.seconds(Int64.max)
        var earlyTime = allTime
        var outputs: ExitOutputs?
        var early: EarlyExitRun?
        for _ in 0..<repetitions {
            let (all, allElapsed) = try allExitsPass(runner, batches: batches, dataset: dataset)
            outputs = all
            allTime = min(allTime, allElapsed)
            let run = try earlyExitPass(executor, batches: batches, labels: dataset.labels, batchSize: batchSize)
            early = run
            earlyTime = min(earlyTime, run.elapsed)
        }
        let cost = try model.cost()
        let last = Double(cost.cumulativeFlops[cost.cumulativeFlops.count - 1])
        let simulation = try outputs!.simulate(
            policy: policy, thresholds: thresholds,
            cumulativeFlops: cost.cumulativeFlops.map(Int64.init))
        let disagreements = early!.disagreements(with: simulation, outputs: outputs!)
        let atThresholds = early!.disagreementsAtThresholds(
            with: simulation, outputs: outputs!, policy: policy,
            thresholds: thresholds)
        let images = Double(dataset.count)
        let profile =
            latencyImages > 0
            ? try LatencyProfile.measure(
                model: model,
                images: try assemble(
                    dataset.prefix(min(dataset.count, latencySourceImages)), normalization: normalization,
                    batchSize: 1),
                count: latencyImages) : nil
        return ExitBenchmarkResult(
            batchSize: batchSize, flopsRatio: simulation.expectedFlops / last,
            timeRatio: earlyTime.seconds / max(allTime.seconds, 1e-12),
            allExitsImagesPerSecond: images / max(allTime.seconds, 1e-12),
            earlyExitImagesPerSecond: images / max(earlyTime.seconds, 1e-12),
            agreesWithSimulation: disagreements.isEmpty,
            executedFlopsRatio: early!.executedFlops / last, disagreements: disagreements.count,
            disagreementsAtThresholds: atThresholds.count, accuracy: early!.accuracy, latencyProfile: profile)
    }

    /// Distinct images the latency profile cycles through (content barely matters when every exit runs).
    static let latencySourceImages = 32

    /// Every image of `dataset` as its own normalised (1, C, H, W) tensor, in file order.
    public static func images(_ dataset: Dataset, normalization: Normalization) throws -> [Tensor] {
        try assemble(dataset, normalization: normalization, batchSize: 1)
    }

    /// Normalised NCHW tensors of every batch, in file order.
    static func assemble(_ dataset: Dataset, normalization: Normalization, batchSize: Int) throws -> [Tensor] {
        let loader = try BatchLoader.evaluation(dataset: dataset, batchSize: batchSize, normalization: normalization)
        return loader.batches(epoch: 0).map { batch in
            Tensor(shape: [batch.count, batch.channels, batch.height, batch.width], values: batch.images)
        }
    }

    /// Every exit for every image, statistics included (what a simulation needs), and the time it took.
    static func allExitsPass(
        _ runner: AllExitsRunner, batches: [Tensor],
        dataset: Dataset
    ) throws -> (ExitOutputs, Duration) {
        var table = ExitStatisticsTable(exitCount: runner.model.exitCount, sampleCount: dataset.count)
        let clock = ContinuousClock()
        let start = clock.now
        var done = 0
        for images in batches {
            for (exit, node) in try runner.run(images).enumerated() {
                try table.record(node, exit: exit, firstSample: done)
            }
            done += images.shape[0]
        }
        let elapsed = clock.now - start
        return (try table.outputs(classCount: runner.model.classes, labels: dataset.labels), elapsed)
    }

    /// Real early exit over the batches, timed per executor call.
    static func earlyExitPass(
        _ executor: EarlyExitExecutor, batches: [Tensor], labels: [Int32],
        batchSize: Int
    ) throws -> EarlyExitRun {
        var gathered = EarlyExitGathering(exitCount: executor.model.exitCount)
        let clock = ContinuousClock()
        let start = clock.now
        for images in batches { gathered.append(try executor.run(images)) }
        return try gathered.run(labels: labels, batchSize: batchSize, elapsed: clock.now - start)
    }
}
