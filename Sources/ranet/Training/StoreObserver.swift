import AdaptiveNets
import Datasets
import Dispatch
import ExperimentRecords
import ExperimentStore
import Foundation
import NeuralEngine
import Training

/// Writes training reports to the store (batched) and draws the progress line.
final class StoreObserver: TrainingObserver {
    let session: TrainingSession
    let progress: ProgressLine
    let epochs: Int
    var pending: [StepMetric] = []
    var lastEpoch: EpochReport?
    var epochSeconds: [Double] = []
    let started = Date()

    init(session: TrainingSession, progress: ProgressLine, epochs: Int) {
        self.session = session
        self.progress = progress
        self.epochs = epochs
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try session.store.appendStepMetrics(pending)
        pending.removeAll()
    }

    func step(_ r: StepReport) {
        pending.append(
            StepMetric(
                runID: session.runID, step: r.step, epoch: r.epoch, exitLosses: r.exitLosses,
                totalLoss: r.totalLoss, learningRate: r.learningRate,
                imagesPerSecond: Float(r.imagesPerSecond), wallTime: Date().timeIntervalSince(started)))
        try? flush()
        let remainingBatches = Double((epochs - r.epoch - 1) * r.batchesPerEpoch + (r.batchesPerEpoch - r.batch))
        let eta = remainingBatches * Double(session.settings.options.batchSize) / max(r.imagesPerSecond, 1e-9)
        let losses = r.exitLosses.map { String(format: "%.3f", $0) }.joined(separator: " ")
        progress.update(
            "epoch \(r.epoch + 1)/\(epochs) \(ProgressLine.bar(Double(r.batch) / Double(r.batchesPerEpoch))) step \(r.step) loss [\(losses)] lr \(String(format: "%.4g", r.learningRate)) \(Int(r.imagesPerSecond)) img/s ETA \(ProgressLine.duration(eta))"
        )
    }

    func epoch(_ r: EpochReport) {
        lastEpoch = r
        epochSeconds.append(r.seconds)
        try? session.store.appendEpochMetrics([
            EpochMetric(
                runID: session.runID, epoch: r.epoch, validationLoss: r.exitLosses,
                validationAccuracy: r.exitAccuracies, wallTime: Date().timeIntervalSince(started))
        ])
        let acc = r.exitAccuracies.map { String(format: "%.1f", $0 * 100) }.joined(separator: " ")
        progress.message(
            "epoch \(r.epoch + 1)/\(epochs) done in \(ProgressLine.duration(r.seconds)): validation accuracy per exit [\(acc)] %"
        )
    }

    func checkpoint(path: String, position: TrainingPosition) {
        // The path first: a process killed between the two writes must leave a run that counts no epoch its
        // checkpoint list cannot resume.
        try? session.store.addCheckpoint(runID: session.runID, path: path)
        try? session.store.heartbeat(runID: session.runID, epochsDone: position.epoch)
    }
}
