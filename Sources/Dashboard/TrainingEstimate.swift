import ExperimentRecords
import Foundation

/// Where a live run stands and how long it still needs, from the rows it has logged so far.
///
/// With ceil(train size / batch size) steps per epoch the position is exact. The time per step comes from
/// consecutive rows of the same epoch in the newest window (a resumed process restarts its wall clock, and the gap
/// across an epoch end holds the validation), the validation time per epoch from the gap between an epoch's last
/// step and its validation row. Every row's wall time counts from the start of the process that logged it (a resumed
/// process starts again from 0); the trainer logs the last step of every epoch.
public struct TrainingEstimate: Sendable {
    public var steps: [StepMetric]
    /// The validation rows, one per finished epoch.
    public var validations: [EpochMetric]
    public var trainSize: Int
    public var batchSize: Int?
    public var epochsPlanned: Int
    /// When the newest row was written (seconds since 1970); the view counts the ETA down from there.
    public var referenceTime: Double?

    /// Seconds of the newest rows used for the step rate.
    static let rateWindow = 120.0

    /// Creates an estimate over a run's rows.
    public init(
        steps: [StepMetric], validations: [EpochMetric], trainSize: Int, batchSize: Int?,
        epochsPlanned: Int, referenceTime: Double?
    ) {
        self.steps = steps
        self.validations = validations
        self.trainSize = trainSize
        self.batchSize = batchSize
        self.epochsPlanned = epochsPlanned
        self.referenceTime = referenceTime
    }

    /// The progress record the Training view shows; nil before the first step row.
    public var progress: TrainingProgress? {
        guard let last = steps.last else { return nil }
        let perEpoch = stepsPerEpoch ?? fallbackStepsPerEpoch
        let planned = max(epochsPlanned, last.epoch + 1)
        let stepInEpoch = min(perEpoch, max(0, last.step - last.epoch * perEpoch))
        let remainingSteps = max(0, planned * perEpoch - last.step)
        let validated = validations.contains { $0.epoch == last.epoch }
        let remainingValidations = max(0, planned - last.epoch - (validated ? 1 : 0))
        let eta = secondsPerStep.map {
            Double(remainingSteps) * $0 + Double(remainingValidations) * (validationSeconds ?? 0)
        }
        return TrainingProgress(
            epoch: last.epoch + 1, epochs: planned, stepInEpoch: stepInEpoch, stepsPerEpoch: perEpoch,
            learningRate: Double(last.learningRate), imagesPerSecond: Double(last.imagesPerSecond), etaSeconds: eta,
            etaReferenceTime: referenceTime)
    }

    /// ceil(train size / batch size), nil when either is unknown.
    var stepsPerEpoch: Int? {
        guard trainSize > 0, let batchSize, batchSize > 0 else { return nil }
        return (trainSize + batchSize - 1) / batchSize
    }

    /// Without the sizes: the first completed epoch's last step (every epoch's last step is logged).
    var fallbackStepsPerEpoch: Int {
        guard let last = steps.last else { return 1 }
        return max(1, steps.last { $0.epoch == 0 && last.epoch > 0 }?.step ?? last.step)
    }

    /// Mean seconds per step over same-epoch row pairs of the newest window; the trainer's throughput for a lone row.
    var secondsPerStep: Double? {
        guard let newest = steps.last?.wallTime else { return nil }
        var seconds = 0.0
        var stepCount = 0
        for index in stride(from: steps.count - 1, to: 0, by: -1) {
            let row = steps[index]
            let previous = steps[index - 1]
            if row.wallTime < previous.wallTime || newest - previous.wallTime > Self.rateWindow { break }
            guard row.epoch == previous.epoch, row.step > previous.step else { continue }
            seconds += row.wallTime - previous.wallTime
            stepCount += row.step - previous.step
        }
        if stepCount > 0, seconds > 0 { return seconds / Double(stepCount) }
        guard let last = steps.last, last.imagesPerSecond > 0, let batchSize else { return nil }
        return Double(batchSize) / Double(last.imagesPerSecond)
    }

    /// Mean seconds from an epoch's last logged step to its validation row (same process only).
    var validationSeconds: Double? {
        let gaps = validations.compactMap { validation -> Double? in
            guard let lastStep = steps.last(where: { $0.epoch == validation.epoch }),
                validation.wallTime >= lastStep.wallTime
            else { return nil }
            return validation.wallTime - lastStep.wallTime
        }
        return gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
    }

    /// Wall times that keep increasing when a resumed process starts counting from 0 again.
    public static func continuousWallTimes(_ times: [Double]) -> [Double] {
        var offset = 0.0
        var previous = -Double.infinity
        return times.map { time in
            if time + offset < previous { offset = previous }
            previous = time + offset
            return previous
        }
    }
}
