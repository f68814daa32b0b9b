import AdaptiveNets
import Datasets
import ExitPolicies
import ExperimentStore
import Foundation
import Training

/// A run's model with the weights of one of its checkpoints, and the data settings it was trained with.
struct RunModel {
    let run: RunRecord
    let runID: Int64
    let settings: RunSettings
    let model: any EarlyExitNetwork
    let checkpointPath: String
    let cost: CostTable

    /// `--run ID` takes the run's latest checkpoint; `--checkpoint PATH` another file (it must fit the run's config).
    static func load(store: ExperimentStore, runID: Int64, checkpoint: String?) throws -> RunModel {
        guard let run = try store.storedRun(id: runID) else { throw CLIError("no run \(runID) in the store") }
        let settings = try RunSettings.decode(run.hyperParametersJSON)
        let config: ModelConfig
        do { config = try JSONDecoder().decode(ModelConfig.self, from: Data(run.configJSON.utf8)) } catch {
            throw CLIError("run \(runID): its stored model config is not readable (\(error))")
        }
        guard let path = checkpoint ?? run.checkpointPaths.last else {
            throw CLIError("run \(runID) has no checkpoint yet (train at least one epoch, or pass --checkpoint PATH)")
        }
        let model = try ModelFactory.build(config, initialize: false)
        do { try Checkpoint.load(path, into: model) } catch let error as WeightsError {
            throw CLIError("checkpoint \(path) does not fit run \(runID)'s \(model.architecture) config: \(error)")
        }
        return RunModel(run: run, runID: runID, settings: settings, model: model, checkpointPath: path, cost: try model.cost())
    }

    var cumulativeFlops: [Int64] { cost.cumulativeFlops.map(Int64.init) }

    func validationData() throws -> Dataset { try settings.loadTrainingData(channels: model.inputShape[0]).validation }

    func testData() throws -> Dataset {
        let train = try settings.dataset.load(.train, root: settings.dataRoot, channels: model.inputShape[0])
        return try settings.loadTestData(channels: model.inputShape[0], classNames: train.classNames)
    }
}

extension ExitPolicy {
    /// A stored threshold that nobody passes (the budget search's "no one exits here").
    var unreachableThreshold: Float { self == .entropy ? -1 : 2 }

    /// Per-exit thresholds as plain numbers for storage and JSON (the last exit accepts everything).
    func storable(_ thresholds: Thresholds, exitCount: Int) -> [Float] {
        (0..<exitCount).map { thresholds.threshold(atExit: $0, exitCount: exitCount) ?? ($0 == exitCount - 1 ? (self == .entropy ? .greatestFiniteMagnitude : 0) : unreachableThreshold) }
    }
}
