import Foundation

/// Lifecycle of a training run.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running, finished, failed, interrupted
}

/// One training run: what was trained on what, with which settings, and how far it got.
public struct RunRecord: Sendable, Hashable, Codable {
    /// Store-assigned id (nil until the run is created).
    public var id: Int64?
    /// Human-chosen run name (not unique).
    public var name: String
    /// Architecture family, e.g. "RANet" or "MSDNet".
    public var architecture: String
    /// Full network configuration as JSON text.
    public var configJSON: String
    /// Dataset name, e.g. "fashion-mnist".
    public var dataset: String
    /// Number of training images.
    public var trainSize: Int
    /// Number of validation images held out of training.
    public var validationSize: Int
    /// Number of test images.
    public var testSize: Int
    /// Hyper-parameters (optimizer, schedule, batch size, ...) as JSON text.
    public var hyperParametersJSON: String
    /// Random seed of initialisation and data order.
    public var seed: UInt64
    /// Status as stored; `ExperimentStore.runs` reports a stale "running" run as `.interrupted`.
    public var status: RunStatus
    /// When the run was created.
    public var createdAt: Date
    /// When any field of the run last changed.
    public var updatedAt: Date
    /// Last sign of life from the training process.
    public var heartbeatAt: Date
    /// Checkpoint files written so far, oldest first.
    public var checkpointPaths: [String]
    /// Free-form notes.
    public var notes: String
    /// Epochs the run was configured for.
    public var epochsPlanned: Int
    /// Epochs completed so far.
    public var epochsDone: Int
    /// The process that trains (or last trained) the run: its pid and host name (nil for runs logged before they
    /// were recorded). A running run has one writer (`ExperimentStore.claimRun`).
    public var ownerPID: Int32?
    public var ownerHost: String?
    /// Where the run's images come from and how they are normalised, as JSON (a `RunDataSource`); empty when
    /// unknown. `ranet train` keeps this in its hyper-parameters; runs logged or imported from other tools record it
    /// here (the Python logger, or `ranet eval|infer|bench-exit --dataset ... --mean ... --std ...` on first use).
    public var dataSourceJSON: String

    /// Creates a run record; times default to now and the status to `.running`.
    public init(
        id: Int64? = nil, name: String, architecture: String, configJSON: String = "{}", dataset: String,
        trainSize: Int = 0, validationSize: Int = 0, testSize: Int = 0, hyperParametersJSON: String = "{}",
        seed: UInt64 = 0, status: RunStatus = .running, createdAt: Date = Date(), updatedAt: Date? = nil,
        heartbeatAt: Date? = nil, checkpointPaths: [String] = [], notes: String = "",
        epochsPlanned: Int = 0, epochsDone: Int = 0, ownerPID: Int32? = nil, ownerHost: String? = nil,
        dataSourceJSON: String = ""
    ) {
        self.id = id
        self.name = name
        self.architecture = architecture
        self.configJSON = configJSON
        self.dataset = dataset
        self.trainSize = trainSize
        self.validationSize = validationSize
        self.testSize = testSize
        self.hyperParametersJSON = hyperParametersJSON
        self.seed = seed
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.heartbeatAt = heartbeatAt ?? createdAt
        self.checkpointPaths = checkpointPaths
        self.notes = notes
        self.epochsPlanned = epochsPlanned
        self.epochsDone = epochsDone
        self.ownerPID = ownerPID
        self.ownerHost = ownerHost
        self.dataSourceJSON = dataSourceJSON
    }

    /// The decoded `dataSourceJSON` (nil when empty or unreadable).
    public var dataSource: RunDataSource? { RunDataSource(json: dataSourceJSON) }
}

/// The data a run was trained on, for runs ranet did not train: which dataset, where, and the per-channel
/// normalisation (torchvision `Normalize` statistics in the 0...1 pixel scale). Every field is optional so that a
/// logger can record what it knows and ranet asks for the rest.
public struct RunDataSource: Sendable, Hashable, Codable {
    /// Per-channel mean and standard deviation of pixel / 255.
    public struct Statistics: Sendable, Hashable, Codable {
        public var mean: [Float]
        public var std: [Float]

        public init(mean: [Float], std: [Float]) {
            self.mean = mean
            self.std = std
        }
    }

    /// A ranet dataset name (`fashion-mnist`, `mnist`, `cifar10`, `cifar100`, `folder`).
    public var dataset: String?
    /// The dataset's directory (nil: the dataset's default location).
    public var dataRoot: String?
    /// Normalisation the model was trained with.
    public var normalization: Statistics?

    public init(dataset: String? = nil, dataRoot: String? = nil, normalization: Statistics? = nil) {
        self.dataset = dataset
        self.dataRoot = dataRoot
        self.normalization = normalization
    }

    /// Decodes the stored JSON; nil for an empty or unreadable text.
    public init?(json: String) {
        guard !json.isEmpty,
            let decoded = try? JSONDecoder().decode(RunDataSource.self, from: Data(json.utf8))
        else { return nil }
        self = decoded
    }

    /// The JSON stored in `runs.data_source_json` (sorted keys, so equal sources store equal text).
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// A run with the figures `ranet runs` and the dashboard list show next to it; the run's own fields read through
/// (`summary.name` is `summary.run.name`).
@dynamicMemberLookup
public struct RunSummary: Sendable, Hashable, Codable {
    /// The run (status already adjusted for a stale heartbeat).
    public var run: RunRecord
    /// Best validation top-1 accuracy of the last exit over all epochs (nil before the first epoch ends).
    public var bestLastExitAccuracy: Float?
    /// Cumulative FLOPs of the last exit from the newest evaluation (nil before any evaluation; the CLI and the
    /// dashboard fill it from the run's model config when they can build it).
    public var lastExitFLOPs: Int64?
    /// Number of step-metric rows logged so far.
    public var stepCount: Int

    /// The run's store id (0 for a run not stored yet).
    public var id: Int64 { run.id ?? 0 }

    /// Best last-exit accuracy as a percentage (nil before the first epoch ends).
    public var bestAccuracyPercent: Double? { bestLastExitAccuracy.map { Double($0) * 100 } }

    /// Last-exit cost in MFLOPs (nil before any evaluation).
    public var lastExitMFLOPs: Double? { lastExitFLOPs.map { Double($0) / 1e6 } }

    /// A field of the run.
    public subscript<Value>(dynamicMember field: KeyPath<RunRecord, Value>) -> Value { run[keyPath: field] }

    /// Creates a summary.
    public init(run: RunRecord, bestLastExitAccuracy: Float?, lastExitFLOPs: Int64?, stepCount: Int) {
        self.run = run
        self.bestLastExitAccuracy = bestLastExitAccuracy
        self.lastExitFLOPs = lastExitFLOPs
        self.stepCount = stepCount
    }
}
