import AdaptiveNets
import ExitPolicies
import NeuralEngine

/// What real early exit decided for one batch.
public struct EarlyExitBatchResult: Sendable, Equatable {
    /// Exit each sample left at, in batch order.
    public var exitIndex: [Int]
    /// Softmax statistics of each sample at the exit it left at (its prediction is `predicted`).
    public var statistics: [SampleExitStatistics]
    /// How many samples each stage ran on (0 for the stages nobody reached).
    public var samplesPerStage: [Int]

    /// Predicted class of each sample.
    public var predicted: [Int32] { statistics.map(\.predicted) }
}

/// Real early exit: stage by stage, only the samples that have not exited yet are computed.
///
/// After each stage, every running sample leaves at the first of the stage's exits whose confidence passes its
/// threshold (the last exit takes everyone left) — the rule of `ExitOutputs.simulate`. The state of the samples still
/// running is then gathered into smaller tensors (`BatchCompaction`) and only those enter the next stage; the batch
/// stops as soon as nobody is left. A stage is the unit of work: a sample leaving at an exit in the middle of a
/// stage with several exits has still paid for the whole stage.
public final class EarlyExitExecutor {
    /// The model run (inference mode).
    public let model: any EarlyExitNetwork
    /// The exit rule.
    public let policy: ExitPolicy
    /// Thresholds in the policy's units.
    public let thresholds: Thresholds
    /// Index of each stage's first exit (stages may hold several exits).
    let firstExitOfStage: [Int]
    /// Threshold per exit (nil = nobody leaves there, as for the last exit which takes everyone instead).
    let thresholdAtExit: [Float?]
    private let graph = Graph(training: false, recordsGradients: false)
    private let compactionArena = Arena()

    /// Creates an executor; thresholds outside the policy's range or of the wrong count are refused.
    public init(model: any EarlyExitNetwork, policy: ExitPolicy, thresholds: Thresholds) throws {
        try thresholds.validate(policy: policy, exitCount: model.exitCount, classCount: model.classes)
        guard model.exitStage.count == model.exitCount,
            model.exitStage == model.exitStage.sorted(),
            model.exitStage.allSatisfy({ (0..<model.stageCount).contains($0) })
        else {
            throw InferenceError.modelContract(
                "exit stages \(model.exitStage) must be ascending stage indices "
                    + "below \(model.stageCount), one per exit (\(model.exitCount))")
        }
        self.model = model
        self.policy = policy
        self.thresholds = thresholds
        firstExitOfStage = (0..<model.stageCount).map { stage in model.exitStage.filter { $0 < stage }.count }
        thresholdAtExit = (0..<model.exitCount).map { thresholds.threshold(atExit: $0, exitCount: model.exitCount) }
    }

    /// Runs real early exit on one normalised NCHW batch; images of another shape than the model's are refused.
    public func run(_ images: Tensor) throws -> EarlyExitBatchResult {
        try InputCheck.check(batch: images, fits: model, context: "early-exit inference")
        let batch = images.shape[0]
        graph.reset()
        compactionArena.reset()
        var result = EarlyExitBatchResult(
            exitIndex: [Int](repeating: -1, count: batch),
            statistics: [SampleExitStatistics](
                repeating: SampleExitStatistics(
                    maxProb: 0, entropy: 0, margin: 0,
                    predicted: 0), count: batch),
            samplesPerStage: [Int](repeating: 0, count: model.stageCount))
        // running[row] = batch position of the sample in row `row` of the current (compacted) state.
        var running = Array(0..<batch)
        var state = try model.begin(graph, graph.input(images))
        for stage in 0..<model.stageCount {
            result.samplesPerStage[stage] = running.count
            let (logits, next) = try model.stage(stage, graph, state)
            try checkExits(logits, stage: stage, rows: running.count)
            var keptRows: [Int] = []
            keptRows.reserveCapacity(running.count)
            for row in 0..<running.count {
                if let (exit, statistics) = try decide(row: row, logits: logits, stage: stage) {
                    result.exitIndex[running[row]] = exit
                    result.statistics[running[row]] = statistics
                } else {
                    keptRows.append(row)
                }
            }
            if keptRows.isEmpty { break }
            if keptRows.count < running.count {
                state = try BatchCompaction.compact(next, rows: keptRows, graph: graph, arena: compactionArena)
                running = keptRows.map { running[$0] }
            } else {
                state = next
            }
        }
        guard !result.exitIndex.contains(-1) else {
            throw InferenceError.modelContract("samples were still running after the last stage")
        }
        return result
    }

    /// The exit row `row` leaves at in `stage` and its statistics there, or nil if it runs on.
    private func decide(row: Int, logits: [Node], stage: Int) throws -> (Int, SampleExitStatistics)? {
        let last = model.exitCount - 1
        for (offset, node) in logits.enumerated() {
            let exit = firstExitOfStage[stage] + offset
            let statistics = try ExitStatisticsReader.statistics(node, row: row, exit: exit)
            if exit == last { return (exit, statistics) }
            if let threshold = thresholdAtExit[exit], policy.exits(statistics, threshold: threshold) {
                return (exit, statistics)
            }
        }
        return nil
    }

    private func checkExits(_ logits: [Node], stage: Int, rows: Int) throws {
        let expected = model.exitStage.filter { $0 == stage }.count
        guard logits.count == expected else {
            throw InferenceError.modelContract(
                "stage \(stage) returned \(logits.count) exits, its exit stages "
                    + "declare \(expected)")
        }
        for node in logits where node.shape != [rows, model.classes] {
            throw InferenceError.modelContract(
                "stage \(stage) returned logits of shape \(node.shape), expected "
                    + "\([rows, model.classes])")
        }
    }
}
