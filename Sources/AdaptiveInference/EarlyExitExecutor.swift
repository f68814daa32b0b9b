import AdaptiveNets
import ExitPolicies
import NeuralEngine

/// What real early exit decided for one batch.
public struct EarlyExitBatchResult: Sendable, Equatable {
    /// Exit each sample left at, in batch order.
    public var exitIndex: [Int]
    /// Softmax statistics of each sample at the exit it left at (its prediction is `predicted`).
    public var statistics: [SampleExitStatistics]
    /// How many samples each exit's segment ran on (0 for the segments nobody reached).
    public var samplesPerSegment: [Int]
    /// FLOPs each sample really cost: the engine's op count of every segment it ran, shared by the samples that ran
    /// it (batch arithmetic is linear in the rows, so this is exact).
    public var executedFlops: [Double]

    /// Predicted class of each sample.
    public var predicted: [Int32] { statistics.map(\.predicted) }
}

/// Real early exit: exit by exit, only the samples that have not exited yet are computed.
///
/// The unit of work is one exit's segment (`EarlyExitNetwork.segment`): the blocks after the previous exit up to this
/// exit, then its classifier. After each, every running sample whose confidence passes the exit's threshold leaves
/// (the last exit takes everyone left) — the rule of `ExitOutputs.simulate` — so a sample leaving at exit k costs
/// exactly exit k's cumulative FLOPs. The state of the samples still running (every tensor the model carries) is then
/// gathered into smaller tensors (`BatchCompaction`) and only those enter the next segment; the batch stops as soon
/// as nobody is left.
public final class EarlyExitExecutor {
    /// The model run (inference mode).
    public let model: any EarlyExitNetwork
    /// The exit rule.
    public let policy: ExitPolicy
    /// Thresholds in the policy's units.
    public let thresholds: Thresholds
    /// Threshold per exit (nil = nobody leaves there, as for the last exit which takes everyone instead).
    let thresholdAtExit: [Float?]
    private let graph = Graph(training: false, recordsGradients: false)
    private let compactionArena = Arena()

    /// Creates an executor; thresholds outside the policy's range or of the wrong count are refused.
    public init(model: any EarlyExitNetwork, policy: ExitPolicy, thresholds: Thresholds) throws {
        self.model = model
        self.policy = policy
        self.thresholds = thresholds
        thresholdAtExit = try Self.perExit(thresholds, policy: policy, model: model)
    }

    /// Runs real early exit on one normalised NCHW batch; images of another shape than the model's are refused.
    public func run(_ images: Tensor) throws -> EarlyExitBatchResult {
        try run(images, thresholdAtExit: thresholdAtExit, mayStart: nil)
    }

    /// Runs one batch with other thresholds than the executor's (same policy; validated), e.g. a controller's current
    /// ones. `mayStart(e)` is asked before every segment e >= 1: false ends the batch there, everyone still running
    /// leaving at exit e-1 (the deepest they finished). Exit 0's segment always runs.
    public func run(
        _ images: Tensor, thresholds: Thresholds, mayStart: ((Int) -> Bool)? = nil
    ) throws -> EarlyExitBatchResult {
        try run(images, thresholdAtExit: try Self.perExit(thresholds, policy: policy, model: model), mayStart: mayStart)
    }

    private static func perExit(
        _ thresholds: Thresholds, policy: ExitPolicy, model: any EarlyExitNetwork
    ) throws -> [Float?] {
        try thresholds.validate(policy: policy, exitCount: model.exitCount, classCount: model.classes)
        return (0..<model.exitCount).map { thresholds.threshold(atExit: $0, exitCount: model.exitCount) }
    }

    private func run(
        _ images: Tensor, thresholdAtExit: [Float?], mayStart: ((Int) -> Bool)?
    ) throws -> EarlyExitBatchResult {
        try InputCheck.check(batch: images, fits: model, context: "early-exit inference")
        let batch = images.shape[0]
        let exits = model.exitCount
        graph.reset()
        compactionArena.reset()
        let counter = OpCounter()
        graph.counter = counter
        defer { graph.counter = nil }
        var result = EarlyExitBatchResult(
            exitIndex: [Int](repeating: -1, count: batch),
            statistics: [SampleExitStatistics](
                repeating: SampleExitStatistics(maxProb: 0, entropy: 0, margin: 0, predicted: 0), count: batch),
            samplesPerSegment: [Int](repeating: 0, count: exits),
            executedFlops: [Double](repeating: 0, count: batch))
        // running[row] = batch position of the sample in row `row` of the current (compacted) state.
        var running = Array(0..<batch)
        // Statistics of each running row at the last exit it passed (its answer if the batch is stopped).
        var latest: [SampleExitStatistics] = []
        var spentPerRow = 0.0
        var counted = 0
        var state = try model.begin(graph, graph.input(images))
        for exit in 0..<exits {
            if exit > 0, let mayStart, !mayStart(exit) {
                for (row, sample) in running.enumerated() {
                    result.exitIndex[sample] = exit - 1
                    result.statistics[sample] = latest[row]
                    result.executedFlops[sample] = spentPerRow
                }
                break
            }
            result.samplesPerSegment[exit] = running.count
            let (logits, next) = try model.segment(exit, graph, state)
            try check(logits, exit: exit, rows: running.count)
            spentPerRow += Double(counter.flops - counted) / Double(running.count)
            counted = counter.flops
            var keptRows: [Int] = []
            keptRows.reserveCapacity(running.count)
            var kept: [SampleExitStatistics] = []
            for row in 0..<running.count {
                let statistics = try ExitStatisticsReader.statistics(logits, row: row, exit: exit)
                if exit == exits - 1 || thresholdAtExit[exit].map({ policy.exits(statistics, threshold: $0) }) == true {
                    result.exitIndex[running[row]] = exit
                    result.statistics[running[row]] = statistics
                    result.executedFlops[running[row]] = spentPerRow
                } else {
                    keptRows.append(row)
                    kept.append(statistics)
                }
            }
            latest = kept
            if keptRows.isEmpty { break }
            if keptRows.count < running.count {
                state = try BatchCompaction.compact(next, rows: keptRows, graph: graph, arena: compactionArena)
                running = keptRows.map { running[$0] }
            } else {
                state = next
            }
        }
        guard !result.exitIndex.contains(-1) else {
            throw InferenceError.modelContract("samples were still running after the last exit")
        }
        return result
    }

    private func check(_ logits: Node, exit: Int, rows: Int) throws {
        guard logits.shape == [rows, model.classes] else {
            throw InferenceError.modelContract(
                "exit \(exit)'s segment returned logits of shape \(logits.shape), expected \([rows, model.classes])")
        }
    }
}
