import Foundation

/// Training metrics logged every N optimizer steps.
public struct StepMetric: Sendable, Hashable, Codable {
    /// Run the metric belongs to.
    public var runID: Int64
    /// Global optimizer step (unique per run; logging the same step again replaces it).
    public var step: Int
    /// Epoch (0-based) the step or validation belongs to.
    public var epoch: Int
    /// Training loss of every exit, in exit order.
    public var exitLosses: [Float]
    /// Weighted sum of the exit losses that was back-propagated.
    public var totalLoss: Float
    /// Learning rate used at this step.
    public var learningRate: Float
    /// Training throughput since the previous logged step.
    public var imagesPerSecond: Float
    /// Seconds since the run started.
    public var wallTime: Double

    /// Creates a step metric.
    public init(
        runID: Int64, step: Int, epoch: Int, exitLosses: [Float], totalLoss: Float,
        learningRate: Float, imagesPerSecond: Float, wallTime: Double
    ) {
        self.runID = runID
        self.step = step
        self.epoch = epoch
        self.exitLosses = exitLosses
        self.totalLoss = totalLoss
        self.learningRate = learningRate
        self.imagesPerSecond = imagesPerSecond
        self.wallTime = wallTime
    }
}

/// Validation figures at the end of an epoch, per exit.
public struct EpochMetric: Sendable, Hashable, Codable {
    /// Run the metric belongs to.
    public var runID: Int64
    /// Epoch (0-based) the step or validation belongs to.
    public var epoch: Int
    /// Validation cross-entropy of every exit.
    public var validationLoss: [Float]
    /// Top-1 accuracy in [0, 1] of every exit.
    public var validationAccuracy: [Float]
    /// Seconds since the run started.
    public var wallTime: Double

    /// Creates an epoch metric.
    public init(runID: Int64, epoch: Int, validationLoss: [Float], validationAccuracy: [Float], wallTime: Double = 0) {
        self.runID = runID
        self.epoch = epoch
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.wallTime = wallTime
    }
}
