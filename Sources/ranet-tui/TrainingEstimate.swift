import Dashboard
import ExperimentStore
import Foundation

/// Where a live run stands and how long it still needs, from its record and the rows it has logged so far.
///
/// Steps are global and the trainer logs the last step of every epoch, so with ceil(train size / batch size) steps
/// per epoch the position is exact. The time per step comes from consecutive rows of the same epoch in the newest
/// window (a resumed process restarts its wall clock, and the gap across an epoch end holds the validation), and the
/// validation time per epoch from the gap between an epoch's last step and its validation row.
struct TrainingEstimate {
    let run: RunRecord
    let steps: [StepMetric]
    let epochs: [EpochMetric]

    /// Seconds of the newest rows used for the step rate.
    static let rateWindow = 120.0

    var progress: TrainingProgress? {
        guard let last = steps.last else { return nil }
        let perEpoch = stepsPerEpoch ?? fallbackStepsPerEpoch
        let planned = max(run.epochsPlanned, last.epoch + 1)
        let stepInEpoch = min(perEpoch, max(0, last.step - last.epoch * perEpoch))
        let remainingSteps = max(0, planned * perEpoch - last.step)
        let validated = epochs.contains { $0.epoch == last.epoch }
        let remainingValidations = max(0, planned - last.epoch - (validated ? 1 : 0))
        var eta: Double?
        if let perStep = secondsPerStep {
            eta = Double(remainingSteps) * perStep + Double(remainingValidations) * (validationSeconds ?? 0)
        }
        return TrainingProgress(epoch: last.epoch + 1, epochs: planned, stepInEpoch: stepInEpoch,
                                stepsPerEpoch: perEpoch, learningRate: Double(last.learningRate),
                                imagesPerSecond: Double(last.imagesPerSecond), etaSeconds: eta,
                                etaReferenceTime: run.heartbeatAt.timeIntervalSince1970)
    }

    /// ceil(train size / batch size) from the stored record and hyper-parameters (nil when unknown).
    var stepsPerEpoch: Int? {
        guard run.trainSize > 0, let batch = batchSize, batch > 0 else { return nil }
        return (run.trainSize + batch - 1) / batch
    }

    var batchSize: Int? {
        guard let data = run.hyperParametersJSON.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        let options = object["options"] as? [String: Any] ?? object
        return (options["batchSize"] as? NSNumber)?.intValue
    }

    /// Without the record's sizes: the step count of the last complete epoch (every epoch's last step is logged).
    var fallbackStepsPerEpoch: Int {
        guard let last = steps.last else { return 1 }
        let previousEnd = steps.last { $0.epoch == last.epoch - 1 }?.step
        let firstEnd = steps.last { $0.epoch == 0 && last.epoch > 0 }?.step
        return max(1, firstEnd ?? previousEnd ?? last.step)
    }

    /// Mean seconds per step over same-epoch row pairs in the newest window.
    var secondsPerStep: Double? {
        guard let newest = steps.last?.wallTime else { return nil }
        var seconds = 0.0, stepCount = 0
        for index in stride(from: steps.count - 1, to: 0, by: -1) {
            let row = steps[index], previous = steps[index - 1]
            if row.wallTime < previous.wallTime || newest - previous.wallTime > Self.rateWindow { break }
            guard row.epoch == previous.epoch, row.step > previous.step else { continue }
            seconds += row.wallTime - previous.wallTime
            stepCount += row.step - previous.step
        }
        if stepCount > 0, seconds > 0 { return seconds / Double(stepCount) }
        // One row so far: the trainer's own throughput.
        guard let last = steps.last, last.imagesPerSecond > 0, let batch = batchSize else { return nil }
        return Double(batch) / Double(last.imagesPerSecond)
    }

    /// Mean seconds from an epoch's last logged step to its validation row (same process only).
    var validationSeconds: Double? {
        let gaps = epochs.compactMap { epoch -> Double? in
            guard let lastStep = steps.last(where: { $0.epoch == epoch.epoch }),
                  epoch.wallTime >= lastStep.wallTime else { return nil }
            return epoch.wallTime - lastStep.wallTime
        }
        return gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
    }

    /// Wall times that keep increasing when a resumed process starts counting from 0 again.
    static func continuousWallTimes(_ times: [Double]) -> [Double] {
        var offset = 0.0, previous = -Double.infinity
        return times.map { time in
            if time + offset < previous { offset = previous - time }
            previous = time + offset
            return previous
        }
    }
}
