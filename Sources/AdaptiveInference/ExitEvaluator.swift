import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine

/// One row of the anytime table: an exit, the sub-network it belongs to, what it costs and how often it is right.
public struct AnytimeRow: Codable, Sendable, Equatable {
    /// Exit index (0 = cheapest).
    public var exit: Int
    /// Stage (sub-network for RANet, block for MSDNet) the exit belongs to.
    public var subnetwork: Int
    /// Cumulative FLOPs (multiply-adds, batch 1) up to and including this exit.
    public var cumulativeFlops: Int
    /// Fraction of samples this exit classifies right, in [0, 1].
    public var accuracy: Double

    /// Creates a row.
    public init(exit: Int, subnetwork: Int, cumulativeFlops: Int, accuracy: Double) {
        self.exit = exit
        self.subnetwork = subnetwork
        self.cumulativeFlops = cumulativeFlops
        self.accuracy = accuracy
    }
}

/// Every exit's outputs on one split: the input of the simulation, the budget search and the anytime table.
public struct ExitEvaluation: Sendable {
    /// Softmax statistics of every exit for every sample, in dataset order.
    public let outputs: ExitOutputs
    /// Raw logits, exit-major [K][N][C], when asked for (`keepLogits`).
    public let logits: [Float]?
    /// The model's cost table (batch 1).
    public let cost: CostTable
    /// Per-exit accuracy against cumulative FLOPs.
    public let anytime: [AnytimeRow]
    /// Wall time of the whole pass (batch assembly included).
    public let elapsed: Duration

    /// Cumulative FLOPs per exit in the integer type the exit policies take.
    public var cumulativeFlops: [Int64] { cost.cumulativeFlops.map(Int64.init) }
}

/// Runs a model over a dataset in eval mode, every exit for every image, batch by batch.
public struct ExitEvaluator: Sendable {
    /// The model evaluated (inference mode: BatchNorm uses its running statistics).
    public let model: any EarlyExitNetwork
    /// Statistics applied to the pixels (those of the model's training set).
    public let normalization: Normalization
    /// Images per forward pass.
    public let batchSize: Int
    /// Threads the parts of each batch run on, one thread each (`EngineThreads.runParts`); 1 runs them one after the
    /// other on the engine's threads. Each batch is split into `EngineThreads.inferenceParts` parts; logits depend on
    /// the split only up to the order of float additions.
    public let workers: Int
    /// Floats a part's widest feature maps may hold together (`EngineThreads.inferenceParts`).
    var partBudgetFloats = EngineThreads.inferencePartBudgetFloats

    /// Creates an evaluator; a batch size or worker count below 1 is refused.
    public init(model: any EarlyExitNetwork, normalization: Normalization, batchSize: Int = 64, workers: Int = 1) throws
    {
        try InputCheck.checkAtLeastOne(batchSize, "batch size", context: "evaluation")
        try InputCheck.checkAtLeastOne(workers, "workers", context: "evaluation")
        self.model = model
        self.normalization = normalization
        self.batchSize = batchSize
        self.workers = workers
    }

    /// Every exit's statistics (and logits if `keepLogits`) for every image of `dataset`; `progress(done, total)`
    /// is called after each batch. Images of another shape than the model's input are refused.
    public func evaluate(
        _ dataset: Dataset, keepLogits: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> ExitEvaluation {
        try InputCheck.check(dataset, fits: model, context: "evaluation")
        let clock = ContinuousClock()
        let start = clock.now
        let loader = try BatchLoader.evaluation(dataset: dataset, batchSize: batchSize, normalization: normalization)
        let imageFloats = try model.widestFeatureMapFloats()
        func partCount(_ images: Int) -> Int {
            EngineThreads.inferenceParts(
                images: images, threads: workers, imageFloats: imageFloats, budgetFloats: partBudgetFloats)
        }
        let partsPerBatch = partCount(batchSize)
        let runners = (0..<partsPerBatch).map { _ in AllExitsRunner(model: model) }
        let stagings = (0..<partsPerBatch).map { _ in InputStaging() }
        var table = ExitStatisticsTable(exitCount: model.exitCount, sampleCount: dataset.count)
        var logits = keepLogits ? [Float](repeating: 0, count: model.exitCount * dataset.count * model.classes) : nil
        var done = 0
        for batch in loader.batches(epoch: 0) {
            // Contiguous parts of the batch (fewer when the batch is small).
            let parts = partCount(batch.count)
            let imageSize = batch.channels * batch.height * batch.width
            let bounds = EngineThreads.partBounds(batch.count, parts: parts)
            let inputs = (0..<parts).map { part in
                stagings[part].tensor(
                    shape: [bounds[part + 1] - bounds[part], batch.channels, batch.height, batch.width],
                    values: batch.images[bounds[part] * imageSize..<bounds[part + 1] * imageSize])
            }
            if workers == 1 {
                for part in 0..<parts { try runners[part].run(inputs[part]) }
            } else {
                try EngineThreads.runParts(parts, threads: workers) { part in try runners[part].run(inputs[part]) }
            }
            for part in 0..<parts {
                for (exit, node) in runners[part].logits.enumerated() {
                    try table.record(node, exit: exit, firstSample: done + bounds[part])
                    if logits != nil {
                        Self.copy(
                            node, exit: exit, firstSample: done + bounds[part], samples: dataset.count, into: &logits!)
                    }
                }
            }
            done += batch.count
            progress?(done, dataset.count)
        }
        let outputs = try table.outputs(classCount: model.classes, labels: dataset.labels)
        let cost = try model.cost()
        return ExitEvaluation(
            outputs: outputs, logits: logits, cost: cost,
            anytime: Self.anytimeTable(outputs: outputs, cost: cost), elapsed: clock.now - start)
    }

    /// The anytime table of outputs and the cost table of the model that produced them.
    public static func anytimeTable(outputs: ExitOutputs, cost: CostTable) -> [AnytimeRow] {
        zip(outputs.exitAccuracies, cost.cumulativeFlops).enumerated().map { exit, pair in
            AnytimeRow(exit: exit, subnetwork: cost.exitStage[exit], cumulativeFlops: pair.1, accuracy: pair.0)
        }
    }

    private static func copy(_ node: Node, exit: Int, firstSample: Int, samples: Int, into logits: inout [Float]) {
        let classes = node.shape[1]
        let rows = node.shape[0]
        let offset = (exit * samples + firstSample) * classes
        logits.withUnsafeMutableBufferPointer { buffer in
            (buffer.baseAddress! + offset).update(from: node.value.data, count: rows * classes)
        }
    }
}

/// Runs every exit on a batch with one reused inference graph (its arena is planned after the first batch).
final class AllExitsRunner {
    let model: any EarlyExitNetwork
    private let graph = Graph(training: false, recordsGradients: false)

    init(model: any EarlyExitNetwork) { self.model = model }

    /// The last run's logits.
    private(set) var logits: [Node] = []

    /// Logits (rows, classes) of every exit, valid until the next call.
    @discardableResult
    func run(_ images: Tensor) throws -> [Node] {
        try InputCheck.check(batch: images, fits: model, context: "all-exits inference")
        graph.reset()
        let logits = try model.forward(graph, graph.input(images))
        guard logits.count == model.exitCount else {
            throw InferenceError.modelContract(
                "forward returned \(logits.count) exits, the model declares "
                    + "\(model.exitCount)")
        }
        self.logits = logits
        return logits
    }
}
