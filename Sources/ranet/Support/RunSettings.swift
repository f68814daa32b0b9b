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

    static func decode(_ json: String) throws -> RunSettings {
        do { return try JSONDecoder().decode(RunSettings.self, from: Data(json.utf8)) } catch {
            throw CLIError("the run's stored settings are not readable by this version of ranet (\(error))")
        }
    }

    func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }
}

/// A user-facing error printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
