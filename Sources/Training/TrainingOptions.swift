import NeuralEngine

/// The recipe of a training run (the paper's defaults: SGD momentum 0.9, weight decay 1e-4, batch 64, lr 0.1 divided
/// by 10 at 50% and 75% of the epochs).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public enum Schedule: String, Codable, Sendable, CaseIterable { case multistep, cosine }

    public var epochs = 20
    public var batchSize = 64
    public var learningRate: Float = 0.1
    public var schedule: Schedule = .multistep
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-4
    public var nesterov = false
    /// Weight of each exit's cross-entropy in the loss (nil: all 1).
    public var exitWeights: [Float]?
    public var seed: UInt64 = 0
    /// Step metrics are reported every this many steps.
    public var logEvery = 20
    /// Parts each batch is split into (`TrainingStep`): the results depend on it, not on the thread count. Nil (runs
    /// recorded before it existed): `TrainingStep.defaultParts`.
    public var batchParts: Int?

    public var resolvedBatchParts: Int { batchParts ?? TrainingStep.defaultParts(batchSize: batchSize) }

    public init() {}

    public var lrSchedule: LRSchedule {
        switch schedule {
        case .multistep: return .paper(base: learningRate, epochs: epochs)
        case .cosine: return .cosine(base: learningRate, totalEpochs: epochs)
        }
    }

    public func validate(exits: Int) throws {
        func fail(_ m: String) -> TrainingError { .invalidOptions(m) }
        guard epochs >= 1 else { throw fail("epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 2 else {
            throw fail("batch size must be at least 2 (BatchNorm needs a batch), got \(batchSize)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw fail("learning rate must be positive, got \(learningRate)")
        }
        guard logEvery >= 1 else { throw fail("log interval must be at least 1") }
        if let batchParts {
            guard batchParts >= 1, batchParts <= batchSize else {
                throw fail("batch parts must be between 1 and the batch size (\(batchSize)), got \(batchParts)")
            }
        }
        if let w = exitWeights {
            guard w.count == exits else {
                throw fail("--exit-weights has \(w.count) values but the model has \(exits) exits")
            }
            guard w.allSatisfy({ $0 >= 0 && $0.isFinite }), w.contains(where: { $0 > 0 }) else {
                throw fail("exit weights must be non-negative with at least one positive")
            }
        }
    }
}

/// Where training stands: the next batch to run is `batch` of `epoch`.
public struct TrainingPosition: Codable, Equatable, Sendable {
    public var epoch: Int
    public var batch: Int
    public var globalStep: Int
    public init(epoch: Int = 0, batch: Int = 0, globalStep: Int = 0) {
        self.epoch = epoch
        self.batch = batch
        self.globalStep = globalStep
    }
}

/// Problems a training run reports to its user.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOptions(String)
    case mismatch(String)
    case checkpoint(path: String, String)
    case diverged(step: Int, loss: Float)

    public var description: String {
        switch self {
        case .invalidOptions(let m): return "invalid training options: \(m)"
        case .mismatch(let m): return m
        case .checkpoint(let path, let m): return "checkpoint \(path): \(m)"
        case .diverged(let step, let loss):
            return "training diverged at step \(step): loss is \(loss) (try a lower --lr)"
        }
    }
}
