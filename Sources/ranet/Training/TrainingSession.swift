import AdaptiveNets
import Datasets
import Dispatch
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs
import NeuralEngine
import Training

/// One `ranet train` invocation: the run in the store, the model, the data, and the observer writing metrics.
final class TrainingSession {
    let store: ExperimentStore
    let runID: Int64
    let model: any EarlyExitNetwork
    let settings: RunSettings
    let presetName: String
    let checkpointPath: String
    let train: Dataset, validation: Dataset
    var position = TrainingPosition()
    var trainSize: Int { train.count }
    var validationSize: Int { validation.count }

    struct Result {
        var epochs: Int
        var validation: [(accuracy: Float, loss: Float)]
        var secondsPerEpoch: Double
        var status: RunStatus
    }

    private init(
        store: ExperimentStore, runID: Int64, model: any EarlyExitNetwork, settings: RunSettings,
        presetName: String, checkpointPath: String, train: Dataset, validation: Dataset
    ) {
        self.store = store
        self.runID = runID
        self.model = model
        self.settings = settings
        self.presetName = presetName
        self.checkpointPath = checkpointPath
        self.train = train
        self.validation = validation
    }

    static func start(command c: TrainCommand, store: ExperimentStore) throws -> TrainingSession {
        if let parent = c.imtaFrom { return try startIMTA(from: parent, command: c, store: store) }
        let presetName = c.config ?? c.preset ?? (c.arch == "msdnet" ? "fmnist-msdnet" : "fmnist-small")
        let config = try ModelFactory.config(named: presetName)
        let model = try ModelFactory.build(config, seed: c.seed)
        let options = try recipe(command: c, technique: c.technique, exits: model.exitCount)
        var settings = RunSettings(
            options: options, dataset: c.dataset, dataRoot: c.dataRoot, validationSize: c.valSize,
            trainLimit: c.trainLimit, normalization: .unit(channels: model.inputShape[0]),
            augmentation: c.dataset.defaultAugmentation)
        let data = try settings.loadTrainingData(input: model.inputShape)
        settings.normalization = Normalization.compute(from: data.train)
        if settings.dataset == .folder, data.train.isAtResizeSide(input: model.inputShape) {
            settings.augmentation = .imagenet  // photos kept at the resize side: the reference's ImageNet recipe
        }
        return try create(
            command: c, store: store, network: NetworkConfig(config), model: model, settings: settings,
            name: c.name ?? "\(presetName) \(c.dataset.rawValue)\(c.technique == .ge ? " GE" : "")",
            presetName: presetName, data: data)
    }

    /// The recipe the command's flags give.
    static func recipe(
        command c: TrainCommand, technique: TrainingOptions.Technique?, exits: Int, epochs: Int? = nil
    ) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.technique = technique
        options.epochs = c.epochs ?? epochs ?? options.epochs
        options.batchSize = c.batchSize
        options.learningRate = c.lr
        options.schedule = c.schedule
        options.seed = c.seed
        options.logEvery = c.logEvery
        // Recorded with the run, so a resume (or a later version with another default) splits batches the same way.
        options.batchParts = c.batchParts ?? TrainingStep.defaultParts(batchSize: c.batchSize)
        if let w = c.exitWeights {
            let values = w.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0 != nil }) else {
                throw CLIError("--exit-weights: \"\(w)\" is not a comma-separated list of numbers")
            }
            options.exitWeights = values.map { $0! }
        }
        try options.validate(exits: exits)
        return options
    }

    /// Creates the run in the store (with its parent, if any) and the session training it, after checking
    /// everything that can refuse it: a refusal never leaves a run "running".
    static func create(
        command c: TrainCommand, store: ExperimentStore, network: NetworkConfig, model: any EarlyExitNetwork,
        settings: RunSettings, name: String, presetName: String, data: (train: Dataset, validation: Dataset),
        parent: Int64? = nil
    ) throws -> TrainingSession {
        try TrainingInputCheck.check(
            train: data.train, validation: data.validation, model: model, classes: network.model.classes,
            batchSize: settings.options.batchSize)
        let dir =
            c.checkpointDir
            ?? URL(fileURLWithPath: c.storeOptions.resolvedPath).deletingLastPathComponent()
            .appendingPathComponent("ranet-checkpoints").path
        try TrainingInputCheck.prepareCheckpointDirectory(dir)
        let storeID = try store.storeID()
        let record = RunRecord(
            name: name, architecture: model.architecture,
            configJSON: try network.json(), dataset: settings.dataset.rawValue, trainSize: data.train.count,
            validationSize: data.validation.count, hyperParametersJSON: try settings.encoded(),
            seed: settings.options.seed, status: .running, epochsPlanned: settings.options.epochs,
            ownerPID: RunOwner.current.pid, ownerHost: RunOwner.current.host)
        let runID = try store.createRun(record)
        if let parent { try store.setParentRun(parent, runID: runID) }
        return TrainingSession(
            store: store, runID: runID, model: model, settings: settings, presetName: presetName,
            checkpointPath: CheckpointMetadata.defaultPath(directory: dir, storeID: storeID, runID: runID),
            train: data.train, validation: data.validation)
    }

    /// `force`: resume even while the run's recorded process looks alive (`RunLiveness`).
    static func resume(runID: Int64, store: ExperimentStore, force: Bool = false) throws -> TrainingSession {
        let run = try store.requiredRun(id: runID)
        try store.requireNoLiveOwner(id: runID, force: force, action: "resume it")
        guard run.status != .finished else {
            throw CLIError("run \(runID) already finished (\(run.epochsDone) epochs)")
        }
        guard let checkpoint = store.latestCheckpoint(of: run) else {
            throw CLIError("run \(runID) has no checkpoint to resume from")
        }
        let settings = try RunSettings.decode(run.hyperParametersJSON, run: runID)
        let model = try ModelFactory.build(try run.networkConfig(), seed: run.seed, initialize: false)
        let data = try settings.loadTrainingData(input: model.inputShape)
        // Checked again and recorded in one transaction: of two resumes started together, one wins.
        try store.claimRun(id: runID, force: force)
        let session = TrainingSession(
            store: store, runID: runID, model: model, settings: settings, presetName: run.name,
            checkpointPath: checkpoint, train: data.train, validation: data.validation)
        session.resumeCheckpoint = checkpoint
        return session
    }

    var resumeCheckpoint: String?

    /// Heartbeats are refreshed at least this often while training, whatever the step and validation times, so a
    /// live run never looks stale (stale after 60 s) to a second `--resume` or `ranet rm`.
    static let heartbeatSeconds = 10

    /// Refreshes the run's heartbeat every `heartbeatSeconds` until cancelled.
    private func keepHeartbeat() -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .seconds(Self.heartbeatSeconds), repeating: .seconds(Self.heartbeatSeconds))
        let (store, runID) = (store, runID)
        timer.setEventHandler { try? store.heartbeat(runID: runID) }
        timer.resume()
        return timer
    }

    func train(progress: ProgressLine) throws -> Result {
        let options = settings.options
        let trainLoader = try BatchLoader(
            dataset: train, batchSize: options.batchSize, normalization: settings.normalization,
            augmentation: settings.augmentation, seed: options.seed,
            outputSize: (model.inputShape[1], model.inputShape[2]))
        // Validation at the training batch size: its graph is alive beside the training graph, and at 256 it alone
        // held more activations than a training step (so a larger validation batch would raise peak memory).
        let valLoader =
            validation.count > 0
            ? try BatchLoader.evaluation(
                dataset: validation, batchSize: options.batchSize, normalization: settings.normalization) : nil
        var trainer = try Trainer(model: model, options: options, train: trainLoader, validation: valLoader)
        if let resumeCheckpoint {
            let loaded: (position: TrainingPosition, metadata: [String: String])
            do {
                loaded = try Checkpoint.load(resumeCheckpoint, into: model, optimizer: trainer.optimizer)
                try CheckpointMetadata.checkOwner(loaded.metadata, path: resumeCheckpoint, runID: runID, store: store)
            } catch {
                // The claim marked the run running; it did not start, so it is interrupted as before.
                try? store.setStatus(.interrupted, runID: runID)
                throw error
            }
            let momentum = trainer.optimizer.buffers
            trainer = try Trainer(
                model: model, options: options, train: trainLoader, validation: valLoader, position: loaded.position)
            for (name, buffer) in momentum { trainer.optimizer.setBuffer(name, buffer) }
            progress.message(
                "resuming run \(runID) at epoch \(loaded.position.epoch + 1), batch \(loaded.position.batch)")
        }
        // The run's batch parts on the process's threads, one thread each (`TrainingStep`), and validation likewise:
        // this scales much better than one graph on all threads, whose small GEMMs and loops split poorly.
        trainer.threads = EngineThreads.count
        let cost = try model.cost()
        trainer.checkpointMetadata = [
            "run": "\(runID)", "store_id": try store.storeID(), "architecture": model.architecture,
            "cumulative_flops": cost.cumulativeFlops.map(String.init).joined(separator: ","),
        ]
        try store.setStatus(.running, runID: runID)
        let observer = StoreObserver(session: self, progress: progress, epochs: options.epochs)
        let stop = StopSignal()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            stop.request()
            FileHandle.standardError.write(Data("\nranet: stopping after this step (Ctrl-C again to abort)\n".utf8))
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
        defer { source.cancel() }
        let heartbeat = keepHeartbeat()
        defer { heartbeat.cancel() }
        let outcome: Trainer.Outcome
        do { outcome = try trainer.run(observer: observer, checkpointPath: checkpointPath, stop: stop) } catch {
            try? store.setStatus(.failed, runID: runID)
            throw error
        }
        try observer.flush()
        progress.finishLine()
        let status: RunStatus = outcome == .finished ? .finished : .interrupted
        try store.setStatus(status, runID: runID)
        let last = observer.lastEpoch
        return Result(
            epochs: trainer.position.epoch,
            validation: zip(last?.exitAccuracies ?? [], last?.exitLosses ?? []).map { ($0, $1) },
            secondsPerEpoch: observer.epochSeconds.isEmpty
                ? 0 : observer.epochSeconds.reduce(0, +) / Double(observer.epochSeconds.count),
            status: status)
    }
}
