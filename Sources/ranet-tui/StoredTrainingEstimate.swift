import Dashboard
import ExperimentRecords
import ExperimentStore
import Foundation

/// The store's rows of a live run, handed to the dashboard's `TrainingEstimate`.
enum StoredTrainingEstimate {
    static func progress(run: RunRecord, steps: [StepMetric], epochs: [EpochMetric]) -> TrainingProgress? {
        TrainingEstimate(
            steps: steps, validations: epochs, trainSize: run.trainSize,
            batchSize: batchSize(run.hyperParametersJSON), epochsPlanned: run.epochsPlanned,
            referenceTime: run.heartbeatAt.timeIntervalSince1970
        ).progress
    }

    /// `options.batchSize` of the stored hyper-parameters (`ranet train` writes them), or a top-level batchSize.
    static func batchSize(_ json: String) -> Int? {
        guard let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        let options = object["options"] as? [String: Any] ?? object
        return (options["batchSize"] as? NSNumber)?.intValue
    }
}
