import AdaptiveNets
import Datasets
import ExitPolicies
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs
import Training

/// A run's model with the weights of one of its checkpoints, and the data settings it was trained with.
struct RunModel {
    let run: RunRecord
    let runID: Int64
    let settings: RunSettings
    let config: ModelConfig
    let model: any EarlyExitNetwork
    let checkpointPath: String
    let cost: CostTable

    /// `--run ID` takes the run's latest checkpoint; `--checkpoint PATH` another file (it must fit the run's config).
    /// With only a checkpoint, the run is the one its metadata names (ranet train writes it).
    /// A run trained elsewhere takes its dataset and normalisation from its recorded data source completed by
    /// `source` (stored with the run once the model is loaded; see `RunSettings.forInference`).
    static func load(
        store: ExperimentStore, runID: Int64?, checkpoint: String?, source: DataSourceOptions? = nil,
        strict: Bool = false
    ) throws -> RunModel {
        let id = try runID ?? CheckpointMetadata.runID(of: checkpoint, store: store)
        let run = try store.requiredRun(
            id: id, context: runID == nil ? " (named by checkpoint \(checkpoint ?? ""))" : "")
        let config = try run.modelConfig()
        let (settings, newSource) = try RunSettings.forInference(
            run: run, options: source, channels: config.input[0], strict: strict)
        guard let path = checkpoint ?? store.latestCheckpoint(of: run) else {
            throw CLIError("run \(id) has no checkpoint yet (train at least one epoch, or pass --checkpoint PATH)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError(
                "checkpoint \(path) not found"
                    + (checkpoint == nil
                        ? " (run \(id)'s latest; the file was moved or deleted: pass --checkpoint PATH)" : ""))
        }
        let model = try ModelFactory.build(try run.networkConfig(), initialize: false)
        let metadata: [String: String]
        do { metadata = try Checkpoint.load(path, into: model).metadata } catch let error as WeightsError {
            switch error {
            case .missingFile, .unreadable, .corrupt: throw CLIError("checkpoint \(error)")
            default:
                throw CLIError("checkpoint \(path) does not fit run \(id)'s \(model.architecture) config: \(error)")
            }
        }
        // The run's own checkpoint, or one that named its run: it must belong to this run of this store. A file given
        // with an explicit --run may come from elsewhere (its architecture is still checked below).
        if checkpoint == nil || runID == nil {
            try CheckpointMetadata.checkOwner(metadata, path: path, runID: id, store: store)
        }
        let cost = try model.cost()
        try CheckpointMetadata.check(metadata, path: path, runID: id, model: model, cost: cost)
        if let newSource {
            try store.setDataSource(newSource, runID: id)
            FileHandle.standardError.write(Data("run \(id): data source recorded: \(try newSource.encoded())\n".utf8))
        }
        return RunModel(
            run: run, runID: id, settings: settings, config: config, model: model, checkpointPath: path, cost: cost)
    }

    /// The sub-network and resolution of each exit, as the "sub-network (resolution)" columns show them.
    func exitLayout() throws -> [ExitPlacement] {
        guard let layout = config.exitLayout, layout.count == model.exitCount else {
            throw CLIError("run \(runID)'s \(model.architecture) config has no consistent exit layout")
        }
        return layout
    }

    var cumulativeFlops: [Int64] { cost.cumulativeFlops.map(Int64.init) }

    func validationData() throws -> Dataset { try settings.loadTrainingData(input: model.inputShape).validation }

    func testData() throws -> Dataset { try settings.loadTestData(input: model.inputShape) }
}
