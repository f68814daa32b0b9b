import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine

/// Real early exit over a whole dataset: per-sample decisions in dataset order and the time the model took.
public struct EarlyExitRun: Sendable {
    /// Exit each sample left at.
    public let exitIndex: [Int]
    /// Statistics of each sample at its exit (prediction, confidence in every policy's units).
    public let statistics: [SampleExitStatistics]
    /// True class of each sample.
    public let labels: [Int32]
    /// Samples each exit's segment ran on, summed over batches.
    public let samplesPerSegment: [Int]
    /// FLOPs each sample really cost (counted by the engine, see `EarlyExitBatchResult.executedFlops`).
    public let executedFlopsPerSample: [Double]
    /// Images per executor call.
    public let batchSize: Int
    /// Time spent in the executor (batch assembly excluded).
    public let elapsed: Duration

    /// Creates a run from its per-sample decisions (e.g. gathered batch by batch by a caller); throws unless there
    /// is one non-negative exit index, one set of statistics, one executed FLOPs count and one label per sample.
    public init(
        exitIndex: [Int], statistics: [SampleExitStatistics], labels: [Int32], samplesPerSegment: [Int],
        executedFlops: [Double], batchSize: Int, elapsed: Duration
    ) throws {
        guard exitIndex.count == labels.count, statistics.count == labels.count, executedFlops.count == labels.count
        else {
            throw InferenceError.invalidArgument(
                "early-exit run: \(exitIndex.count) exit indices, \(statistics.count) statistics and "
                    + "\(executedFlops.count) FLOPs counts for \(labels.count) samples")
        }
        if let bad = exitIndex.firstIndex(where: { $0 < 0 }) {
            throw InferenceError.invalidArgument("early-exit run: sample \(bad) has exit \(exitIndex[bad])")
        }
        self.exitIndex = exitIndex
        self.statistics = statistics
        self.labels = labels
        self.samplesPerSegment = samplesPerSegment
        executedFlopsPerSample = executedFlops
        self.batchSize = batchSize
        self.elapsed = elapsed
    }

    /// Predicted class of each sample.
    public var predicted: [Int32] { statistics.map(\.predicted) }
    /// Number of samples.
    public var sampleCount: Int { labels.count }
    /// Images per second of executor time.
    public var imagesPerSecond: Double { Double(sampleCount) / max(elapsed.seconds, 1e-12) }
    /// Fraction of samples classified right, in [0, 1].
    public var accuracy: Double {
        Double(zip(statistics, labels).filter { $0.0.predicted == $0.1 }.count) / Double(max(sampleCount, 1))
    }

    /// Samples leaving at each of `exitCount` exits.
    public func exitCounts(exitCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: exitCount)
        for exit in exitIndex where exit < exitCount { counts[exit] += 1 }
        return counts
    }

    /// Average FLOPs per sample counting exit k as `cumulativeFlops[k]` (what the simulation calls expected FLOPs).
    public func expectedFlops(cumulativeFlops: [Int]) throws -> Double {
        try checkExits(below: cumulativeFlops.count)
        return Double(exitIndex.reduce(0) { $0 + cumulativeFlops[$1] }) / Double(max(sampleCount, 1))
    }

    /// Average FLOPs per sample the executor actually spent (measured; equals `expectedFlops` with the cost model's
    /// cumulative FLOPs, since a sample leaving at exit k ran exactly the segments up to k).
    public var executedFlops: Double {
        executedFlopsPerSample.reduce(0, +) / Double(max(sampleCount, 1))
    }

    private func checkExits(below exitCount: Int) throws {
        if let bad = exitIndex.firstIndex(where: { $0 >= exitCount }) {
            throw InferenceError.invalidArgument(
                "early-exit run: sample \(bad) left at exit \(exitIndex[bad]) but "
                    + "the cost table has \(exitCount) exits")
        }
    }

    /// Samples whose exit or prediction differs from a simulation of `outputs` (same samples, same order).
    public func disagreements(with simulation: ExitSimulation, outputs: ExitOutputs) -> [Int] {
        guard simulation.exitIndex.count == sampleCount, outputs.sampleCount == sampleCount else {
            return Array(0..<sampleCount)
        }
        return (0..<sampleCount).filter { sample in
            let exit = simulation.exitIndex[sample]
            return exit != exitIndex[sample]
                || outputs.predicted[outputs.index(exit: exit, sample: sample)] != statistics[sample].predicted
        }
    }
}

extension EarlyExitRun {
    /// The disagreements with `simulation` where some exit up to the later of the two decisions holds a
    /// confidence (in the simulated outputs) within `tolerance` of its threshold: ties that BLAS rounding on a
    /// compacted batch can tip either way, as opposed to real errors.
    public func disagreementsAtThresholds(
        with simulation: ExitSimulation, outputs: ExitOutputs, policy: ExitPolicy,
        thresholds: Thresholds, tolerance: Float = 1e-5
    ) -> [Int] {
        disagreements(with: simulation, outputs: outputs).filter { sample in
            guard sample < simulation.exitIndex.count else { return false }
            let latest = min(max(exitIndex[sample], simulation.exitIndex[sample]), outputs.exitCount - 1)
            return (0...latest).contains { exit in
                guard let threshold = thresholds.threshold(atExit: exit, exitCount: outputs.exitCount) else {
                    return false
                }
                let confidence = policy.confidence(of: outputs.statistics(exit: exit, sample: sample))
                return abs(confidence - policy.cutoff(forThreshold: threshold)) <= tolerance
            }
        }
    }
}

extension EarlyExitExecutor {
    /// Real early exit over every image of `dataset` (file order) in batches of `batchSize`; `progress(done, total)`
    /// is called after each batch. Images of another shape than the model's input are refused.
    public func run(
        dataset: Dataset, normalization: Normalization, batchSize: Int,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> EarlyExitRun {
        try InputCheck.checkAtLeastOne(batchSize, "batch size", context: "early-exit inference")
        try InputCheck.check(dataset, fits: model, context: "early-exit inference")
        let loader = try BatchLoader.evaluation(dataset: dataset, batchSize: batchSize, normalization: normalization)
        let staging = InputStaging()
        var gathered = EarlyExitGathering(exitCount: model.exitCount, capacity: dataset.count)
        var elapsed = Duration.zero
        let clock = ContinuousClock()
        for batch in loader.batches(epoch: 0) {
            let images = staging.tensor(
                shape: [batch.count, batch.channels, batch.height, batch.width],
                values: batch.images[...])
            let start = clock.now
            let result = try run(images)
            elapsed += clock.now - start
            gathered.append(result)
            progress?(gathered.sampleCount, dataset.count)
        }
        return try gathered.run(labels: dataset.labels, batchSize: batchSize, elapsed: elapsed)
    }
}

/// An executor's batch results gathered, in batch order, into the per-sample decisions of one run.
struct EarlyExitGathering {
    private var exitIndex: [Int] = []
    private var statistics: [SampleExitStatistics] = []
    private var executedFlops: [Double] = []
    private var samplesPerSegment: [Int]

    /// Starts empty for a model of `exitCount` exits, with room for `capacity` samples.
    init(exitCount: Int, capacity: Int = 0) {
        samplesPerSegment = [Int](repeating: 0, count: exitCount)
        exitIndex.reserveCapacity(capacity)
        statistics.reserveCapacity(capacity)
        executedFlops.reserveCapacity(capacity)
    }

    /// Samples gathered so far.
    var sampleCount: Int { exitIndex.count }

    /// Appends one batch's decisions and adds its per-segment sample counts.
    mutating func append(_ result: EarlyExitBatchResult) {
        exitIndex += result.exitIndex
        statistics += result.statistics
        executedFlops += result.executedFlops
        for exit in 0..<samplesPerSegment.count { samplesPerSegment[exit] += result.samplesPerSegment[exit] }
    }

    /// The run of everything gathered (see `EarlyExitRun.init` for what it checks).
    func run(labels: [Int32], batchSize: Int, elapsed: Duration) throws -> EarlyExitRun {
        try EarlyExitRun(
            exitIndex: exitIndex, statistics: statistics, labels: labels, samplesPerSegment: samplesPerSegment,
            executedFlops: executedFlops, batchSize: batchSize, elapsed: elapsed)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
