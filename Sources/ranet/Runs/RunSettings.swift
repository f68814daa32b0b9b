import AdaptiveNets
import Datasets
import ExperimentRecords
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

    /// The training and validation images (the validation split is held out from training with the run's seed)
    /// for a model of `input` (channels, height, width). Folders of photos of other sizes come at the reference's
    /// resize side (`ImageNetTransforms`): training crops them at random, validation is centre-cropped here.
    func loadTrainingData(input: [Int]) throws -> (train: Dataset, validation: Dataset) {
        let full = try dataset.load(.train, root: dataRoot, channels: input[0], input: (input[1], input[2]))
        let split = try full.splittingValidation(size: validationSize, seed: options.seed)
        return (
            trainLimit.map { split.train.prefix($0) } ?? split.train,
            try split.validation.evaluationCrop(input: input)
        )
    }

    /// The test images for a model of `input`, labelled by the training folder's classes for folders.
    func loadTestData(input: [Int]) throws -> Dataset {
        let classNames = dataset == .folder ? try Dataset.imageFolderClasses(root: dataRoot) : nil
        return try dataset.load(
            .test, root: dataRoot, channels: input[0], classNames: classNames, input: (input[1], input[2])
        ).evaluationCrop(input: input)
    }

    /// The settings `ranet train` stored for `run` (to resume it). Runs logged by other tools (the Python
    /// `ranet_store` logger, `import-logits`) keep their own recipe there; see `forInference` for those.
    static func decode(_ json: String, run: Int64) throws -> RunSettings {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        if let object, object["options"] == nil || object["dataset"] == nil {
            throw CLIError(
                "run \(run) was not trained by `ranet train` (logged by another tool, such as the Python "
                    + "ranet_store logger): ranet does not know its training recipe, so it cannot resume it")
        }
        do { return try JSONDecoder().decode(RunSettings.self, from: Data(json.utf8)) } catch {
            throw CLIError("run \(run)'s stored settings are not readable by this version of ranet (\(error))")
        }
    }

    /// Whether `json` (a run's hyper-parameters) is what `ranet train` stores, rather than another tool's recipe.
    static func isRanetTrained(_ json: String) -> Bool {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        return object?["options"] != nil && object?["dataset"] != nil
    }

    /// The settings to evaluate or run `run` with, and the data source to store with it when the options completed
    /// it (nil: nothing new). A run `ranet train` made keeps its own settings (`--mean/--std` must then agree with
    /// them); a run trained elsewhere uses its recorded `RunDataSource`, with the dataset, directory and
    /// normalisation it lacks taken from `options`. Its validation split is the run's `validationSize` training
    /// images held out with the run's seed, as `ranet train` would (python: `ranet_store.validation_split`).
    /// With `strict`, a --dataset or --data-root other than the run's is refused (`eval` evaluates the run's own
    /// splits); without, they only choose other images (`infer`, `bench-exit`).
    static func forInference(
        run: RunRecord, options: DataSourceOptions?, channels: Int, strict: Bool
    ) throws -> (settings: RunSettings, newSource: RunDataSource?) {
        let id = run.id ?? 0
        if isRanetTrained(run.hyperParametersJSON) {
            let settings = try decode(run.hyperParametersJSON, run: id)
            if let given = options?.normalization,
                given.mean != settings.normalization.mean || given.std != settings.normalization.std
            {
                throw CLIError(
                    "run \(id) was trained by `ranet train` with normalisation mean \(settings.normalization.mean) "
                        + "std \(settings.normalization.std); --mean/--std are for runs trained elsewhere")
            }
            if strict { try checkSame(options, dataset: settings.dataset, dataRoot: settings.dataRoot, run: id) }
            return (settings, nil)
        }
        let stored = run.dataSource ?? RunDataSource()
        var source = stored
        if source.dataset.flatMap(DatasetKind.init(rawValue:)) == nil {
            source.dataset = options?.dataset?.rawValue ?? DatasetKind(rawValue: run.dataset)?.rawValue
        }
        guard let kind = source.dataset.flatMap(DatasetKind.init(rawValue:)) else {
            throw CLIError(
                "run \(id) was trained elsewhere and records no dataset ranet can load (it says \"\(run.dataset)\"): "
                    + "pass --dataset D (\(DatasetKind.allCases.map(\.rawValue).joined(separator: ", "))) and "
                    + "--data-root DIR; they are stored with the run")
        }
        if source.dataRoot == nil, options?.dataset == nil || options?.dataset == kind, let root = options?.dataRoot {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("--data-root \(root): no such directory")
            }
            source.dataRoot = URL(fileURLWithPath: root).standardizedFileURL.path
        }
        if let given = options?.normalization {
            if let recorded = source.normalization, recorded != given {
                throw CLIError(
                    "run \(id) records normalisation mean \(recorded.mean) std \(recorded.std) from its training; "
                        + "--mean/--std give another (a model sees only the statistics it was trained with)")
            }
            source.normalization = given
        }
        guard let statistics = source.normalization else {
            throw CLIError(
                "run \(id) was trained elsewhere and records no normalisation: pass --mean a,b,c --std a,b,c "
                    + "(the torchvision Normalize of its training transforms; stored with the run)")
        }
        let normalization = Normalization(mean: statistics.mean, std: statistics.std)
        do { try normalization.validate(channels: channels) } catch {
            throw CLIError("run \(id): \(error) (the model takes \(channels)-channel images)")
        }
        if strict { try checkSame(options, dataset: kind, dataRoot: source.dataRoot, run: id) }
        var training = TrainingOptions()
        training.seed = run.seed
        let settings = RunSettings(
            options: training, dataset: kind, dataRoot: source.dataRoot, validationSize: run.validationSize,
            trainLimit: nil, normalization: normalization, augmentation: .none)
        return (settings, source == stored ? nil : source)
    }

    private static func checkSame(
        _ options: DataSourceOptions?, dataset: DatasetKind, dataRoot: String?, run: Int64
    )
        throws
    {
        if let other = options?.dataset, other != dataset {
            throw CLIError("run \(run) was trained on \(dataset.rawValue), not \(other.rawValue)")
        }
        if let root = options?.dataRoot, let dataRoot,
            URL(fileURLWithPath: root).standardizedFileURL.path
                != URL(fileURLWithPath: dataRoot).standardizedFileURL.path
        {
            throw CLIError("run \(run)'s data is in \(dataRoot), not \(root)")
        }
    }

    func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }
}
