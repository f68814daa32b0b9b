import AdaptiveNets
import Datasets
import Foundation
import NeuralEngine
import Synchronization

/// A flag another thread (a signal handler's queue, the UI) sets to stop training after the current step.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func request() { flag.store(true, ordering: .relaxed) }
    public var isRequested: Bool { flag.load(ordering: .relaxed) }
}

/// Trains an early-exit network with the sum of its exits' cross-entropies (weighted), SGD and a schedule,
/// validating every epoch and checkpointing atomically after every epoch and when stopped.
public final class Trainer {
    public enum Outcome: Equatable, Sendable { case finished, interrupted }

    public let model: any EarlyExitNetwork
    public let options: TrainingOptions
    public let optimizer: SGD
    /// Threads the parts of a batch run on (`TrainingStep`; the parts are `options.resolvedBatchParts`). The results
    /// do not depend on it. While training runs OpenBLAS is set to one thread process-wide.
    public var threads = 1
    /// False leaves the process's thread count alone (see `TrainingStep`; for tests that share their process with
    /// other engine work, which changes the count under them).
    public var oneBLASThreadEach = true
    let trainLoader: BatchLoader
    let validationLoader: BatchLoader?
    public private(set) var position: TrainingPosition
    /// Written to every checkpoint (config, dataset, normalisation...), so a checkpoint is self-describing.
    public var checkpointMetadata: [String: String] = [:]

    public init(
        model: any EarlyExitNetwork, options: TrainingOptions, train: BatchLoader, validation: BatchLoader?,
        position: TrainingPosition = TrainingPosition()
    ) throws {
        try options.validate(exits: model.exitCount)
        let d = train.dataset
        guard [d.channels, train.outputHeight, train.outputWidth] == model.inputShape else {
            throw TrainingError.mismatch(
                "the dataset's images are \(d.channels)x\(train.outputHeight)x\(train.outputWidth) but the model expects \(model.inputShape.map(String.init).joined(separator: "x"))"
            )
        }
        guard d.classCount <= model.classes else {
            throw TrainingError.mismatch(
                "the dataset has \(d.classCount) classes but the model's config has \(model.classes)")
        }
        self.model = model
        self.options = options
        self.trainLoader = train
        self.validationLoader = validation
        self.position = position
        optimizer = try SGD(
            learningRate: options.learningRate, momentum: options.momentum,
            weightDecay: options.weightDecay, nesterov: options.nesterov)
    }

    var batchesPerEpoch: Int { trainLoader.batchesPerEpoch }

    /// Learning rate at a position: per epoch for multistep, per step for cosine.
    func learningRate(epoch: Int, batch: Int) -> Float {
        switch options.schedule {
        case .multistep: return options.lrSchedule.rate(epoch: Double(epoch))
        case .cosine: return options.lrSchedule.rate(epoch: Double(epoch) + Double(batch) / Double(batchesPerEpoch))
        }
    }

    /// Runs until the planned epochs are done or `stop` is requested (then after the current step).
    public func run(
        observer: TrainingObserver?, checkpointPath: String?, stop: StopSignal = StopSignal()
    ) throws -> Outcome {
        let parts = options.resolvedBatchParts
        let step = TrainingStep(model: model, parts: parts, threads: threads, oneBLASThreadEach: oneBLASThreadEach)
        let weights = options.exitWeights ?? Array(repeating: 1, count: model.exitCount)
        let params = model.store.parameters
        var lossSums = [Double](repeating: 0, count: model.exitCount)
        var stepsSinceReport = 0
        var imagesSinceReport = 0
        var reportClock = DispatchTime.now().uptimeNanoseconds
        while position.epoch < options.epochs {
            let epochStart = DispatchTime.now().uptimeNanoseconds
            for batch in trainLoader.batches(epoch: position.epoch, startingAt: position.batch) {
                let x = Tensor(shape: [batch.count, batch.channels, batch.height, batch.width], values: batch.images)
                let losses = try step.run(images: x, labels: batch.labels, weights: weights)
                guard losses.total.isFinite else {
                    throw TrainingError.diverged(step: position.globalStep, loss: losses.total)
                }
                optimizer.learningRate = learningRate(epoch: position.epoch, batch: batch.index)
                optimizer.step(params)
                for (k, l) in losses.exits.enumerated() { lossSums[k] += Double(l) }
                stepsSinceReport += 1
                imagesSinceReport += batch.count
                position = TrainingPosition(
                    epoch: position.epoch, batch: batch.index + 1, globalStep: position.globalStep + 1)
                let last = batch.index + 1 == batchesPerEpoch
                if stepsSinceReport >= options.logEvery || last || stop.isRequested {
                    let now = DispatchTime.now().uptimeNanoseconds
                    let mean = lossSums.map { Float($0 / Double(stepsSinceReport)) }
                    observer?.step(
                        StepReport(
                            epoch: position.epoch, step: position.globalStep, batch: batch.index + 1,
                            batchesPerEpoch: batchesPerEpoch, exitLosses: mean,
                            totalLoss: zip(mean, weights).reduce(0) { $0 + $1.0 * $1.1 },
                            learningRate: optimizer.learningRate,
                            imagesPerSecond: Double(imagesSinceReport) / (Double(now - reportClock) / 1e9)))
                    lossSums = lossSums.map { _ in 0 }
                    stepsSinceReport = 0
                    imagesSinceReport = 0
                    reportClock = now
                }
                if stop.isRequested {
                    try saveCheckpoint(checkpointPath, observer)
                    return .interrupted
                }
            }
            if let validationLoader {
                let (losses, accuracies) = try Validation.run(
                    model: model, loader: validationLoader, parts: parts, threads: threads,
                    oneThreadEach: oneBLASThreadEach)
                observer?.epoch(
                    EpochReport(
                        epoch: position.epoch, exitLosses: losses, exitAccuracies: accuracies,
                        seconds: Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9))
            }
            position = TrainingPosition(epoch: position.epoch + 1, batch: 0, globalStep: position.globalStep)
            try saveCheckpoint(checkpointPath, observer)
            if stop.isRequested { return position.epoch >= options.epochs ? .finished : .interrupted }
        }
        return .finished
    }

    func saveCheckpoint(_ path: String?, _ observer: TrainingObserver?) throws {
        guard let path else { return }
        var meta = checkpointMetadata
        meta["options"] = try Checkpoint.metadataJSON(options)
        try Checkpoint.write(model: model, optimizer: optimizer, position: position, metadata: meta, to: path)
        observer?.checkpoint(path: path, position: position)
    }
}

/// Per-exit mean cross-entropy and top-1 accuracy in evaluation mode.
public enum Validation {
    /// `parts`: each batch is split into this many parts, each run on one thread, at most `threads` at once
    /// (`EngineThreads.runParts`, whose `oneThreadEach` is passed on); the results do not depend on the split beyond
    /// the float rounding of the loss sums, and not at all on `threads` (the sums are added in part order).
    public static func run(
        model: any EarlyExitNetwork, loader: BatchLoader, parts: Int = 1, threads: Int? = nil,
        oneThreadEach: Bool = true
    ) throws -> (losses: [Float], accuracies: [Float]) {
        if oneThreadEach {
            // Every part on one thread, even a batch of one part: OpenBLAS on more threads may add in another order.
            return try EngineThreads.withOneThreadEach {
                try run(model: model, loader: loader, parts: parts, threads: threads, oneThreadEach: false)
            }
        }
        let graphs = (0..<max(parts, 1)).map { _ in Graph(training: false, recordsGradients: false) }
        let K = model.exitCount
        // Per part: loss sums (already multiplied by the part's image count) and correct counts, per exit.
        var lossSums = [[Double]](repeating: [Double](repeating: 0, count: K), count: graphs.count)
        var correct = [[Int]](repeating: [Int](repeating: 0, count: K), count: graphs.count)
        var seen = 0
        for batch in loader.batches(epoch: 0) {
            let x = Tensor(shape: [batch.count, batch.channels, batch.height, batch.width], values: batch.images)
            let n = min(graphs.count, batch.count)
            let bounds = EngineThreads.partBounds(batch.count, parts: n)
            try lossSums.withUnsafeMutableBufferPointer { lossSlots in
                try correct.withUnsafeMutableBufferPointer { correctSlots in
                    nonisolated(unsafe) let lossSlots = lossSlots
                    nonisolated(unsafe) let correctSlots = correctSlots
                    try EngineThreads.runParts(n, threads: threads, oneThreadEach: false) { part in
                        let lo = bounds[part]
                        let hi = bounds[part + 1]
                        let graph = graphs[part]
                        graph.reset()
                        let input = x.rows(lo..<hi)
                        let labels = Array(batch.labels[lo..<hi])
                        let logits = try model.forward(graph, graph.input(input))
                        for (k, l) in logits.enumerated() {
                            lossSlots[part][k] +=
                                Double(try graph.crossEntropy(l, labels: labels).value[0]) * Double(hi - lo)
                            let classes = l.shape[1]
                            for i in 0..<(hi - lo) {
                                var best = 0
                                for c in 1..<classes where l.value[i * classes + c] > l.value[i * classes + best] {
                                    best = c
                                }
                                if Int32(best) == labels[i] { correctSlots[part][k] += 1 }
                            }
                        }
                    }
                }
            }
            seen += batch.count
        }
        let n = Double(max(seen, 1))
        let losses = (0..<K).map { k in Float(lossSums.reduce(0) { $0 + $1[k] } / n) }
        let accuracies = (0..<K).map { k in Float(Double(correct.reduce(0) { $0 + $1[k] }) / n) }
        return (losses, accuracies)
    }
}
