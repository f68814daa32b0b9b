/// Loss and speed of recent steps.
public struct StepReport: Sendable {
    public var epoch: Int
    public var step: Int
    /// Batch within the epoch and batches per epoch, for progress.
    public var batch: Int
    public var batchesPerEpoch: Int
    /// Mean over the steps since the last report, per exit.
    public var exitLosses: [Float]
    public var totalLoss: Float
    public var learningRate: Float
    public var imagesPerSecond: Double
}

/// Validation after an epoch.
public struct EpochReport: Sendable {
    public var epoch: Int
    public var exitLosses: [Float]
    public var exitAccuracies: [Float]
    public var seconds: Double
}

/// Receives what a training run produces (the CLI writes it to the store and draws a progress bar).
public protocol TrainingObserver: AnyObject {
    func step(_ report: StepReport)
    func epoch(_ report: EpochReport)
    func checkpoint(path: String, position: TrainingPosition)
}
