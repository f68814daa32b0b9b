import AdaptiveNets
import Datasets
import Foundation
import Training

/// Everything needed to rebuild a run's data and recipe, stored as the run's hyper-parameters JSON so that
/// `--resume`, `eval` and the dashboard see exactly what training saw.
struct RunSettings: Codable {
    var options: TrainingOptions
    var dataset: DatasetKind
    var dataRoot: String?
    var validationSize: Int
    var trainLimit: Int?
    var normalization: Normalization
    var augmentation: Augmentation

    /// The training and validation images (the validation split is held out from training with the run's seed).
    func loadTrainingData(channels: Int) throws -> (train: Dataset, validation: Dataset) {
        let full = try dataset.load(.train, root: dataRoot, channels: channels)
        let split = try full.splittingValidation(size: validationSize, seed: options.seed)
        return (trainLimit.map { split.train.prefix($0) } ?? split.train, split.validation)
    }

    func loadTestData(channels: Int, classNames: [String]) throws -> Dataset {
        try dataset.load(.test, root: dataRoot, channels: channels, classNames: dataset == .folder ? classNames : nil)
    }

    /// The settings `ranet train` stored for `run`. Runs logged by other tools (the Python `ranet_store` logger,
    /// `import-logits`) keep their own recipe there, without the dataset ranet would need to rebuild their data.
    static func decode(_ json: String, run: Int64) throws -> RunSettings {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        if let object, object["options"] == nil || object["dataset"] == nil {
            throw CLIError(
                "run \(run) was not trained by `ranet train` (logged by another tool, such as the Python "
                    + "ranet_store logger): ranet does not know its dataset and recipe, so it cannot rebuild its data. "
                    + "Evaluate it where it was trained and bring the outputs in with `ranet import-logits`")
        }
        do { return try JSONDecoder().decode(RunSettings.self, from: Data(json.utf8)) } catch {
            throw CLIError("run \(run)'s stored settings are not readable by this version of ranet (\(error))")
        }
    }

    /// Sorted keys: the same settings are the same text in every process (the kill loop compares store rows).
    func encoded() throws -> String { try Checkpoint.metadataJSON(self) }
}
