// The runs, metrics, samples and budget points the dashboard shows are the store's own record types.
import ExperimentRecords
import Foundation

/// Training loss of one exit over steps.
public struct StepSeries: Hashable, Sendable {
    public var exit: Int
    public var steps: [Int]
    public var losses: [Double]
    /// Seconds of training at each step, increasing across resumes (empty when unknown).
    public var wallTimes: [Double]
    /// Creates a series; `steps`, `losses` and `wallTimes` (when given) are parallel arrays.
    public init(exit: Int, steps: [Int], losses: [Double], wallTimes: [Double] = []) {
        self.exit = exit
        self.steps = steps
        self.losses = losses
        self.wallTimes = wallTimes
    }

    /// One loss series per exit, with wall times made increasing across resumes (each process counts from 0).
    public static func perExit(_ steps: [StepMetric]) -> [StepSeries] {
        let exits = steps.map(\.exitLosses.count).max() ?? 0
        let wallTimes = TrainingEstimate.continuousWallTimes(steps.map(\.wallTime))
        return (0..<exits).map { exit in
            let rows = steps.indices.filter { exit < steps[$0].exitLosses.count }
            return StepSeries(
                exit: exit, steps: rows.map { steps[$0].step },
                losses: rows.map { Double(steps[$0].exitLosses[exit]) }, wallTimes: rows.map { wallTimes[$0] })
        }
    }
}

/// Where a live run stands.
public struct TrainingProgress: Hashable, Sendable {
    /// 1-based epoch in progress.
    public var epoch: Int
    public var epochs: Int
    public var stepInEpoch: Int
    public var stepsPerEpoch: Int
    public var learningRate: Double
    public var imagesPerSecond: Double
    /// Remaining seconds as estimated by the trainer or the data source.
    public var etaSeconds: Double?
    /// When (seconds since the epoch) `etaSeconds` was estimated; the view counts down from there.
    public var etaReferenceTime: Double?
    /// Creates a progress record.
    public init(
        epoch: Int, epochs: Int, stepInEpoch: Int, stepsPerEpoch: Int, learningRate: Double,
        imagesPerSecond: Double, etaSeconds: Double?, etaReferenceTime: Double? = nil
    ) {
        self.etaReferenceTime = etaReferenceTime
        self.epoch = epoch
        self.epochs = epochs
        self.stepInEpoch = stepInEpoch
        self.stepsPerEpoch = stepsPerEpoch
        self.learningRate = learningRate
        self.imagesPerSecond = imagesPerSecond
        self.etaSeconds = etaSeconds
    }
}

/// One exit of an evaluated model: where it sits and what it achieves.
public struct ExitInfo: Hashable, Sendable {
    /// Sub-network (RANet) or block (MSDNet) the exit ends, 0-based; -1 when the run's config is unknown.
    public var subnetwork: Int
    /// Input side length the sub-network sees (e.g. 7, 14, 28).
    public var resolution: Int
    public var cumulativeMFLOPs: Double
    public var accuracy: Double
    /// Creates an exit description.
    public init(subnetwork: Int, resolution: Int, cumulativeMFLOPs: Double, accuracy: Double) {
        self.subnetwork = subnetwork
        self.resolution = resolution
        self.cumulativeMFLOPs = cumulativeMFLOPs
        self.accuracy = accuracy
    }
}

/// Everything the dashboard shows about one run.
public struct RunDetail: Hashable, Sendable {
    public var run: RunSummary
    /// Training loss per exit (one series per exit).
    public var lossSeries: [StepSeries]
    public var epochs: [EpochMetric]
    public var progress: TrainingProgress?
    /// Evaluated exits (empty when the run was not evaluated).
    public var exits: [ExitInfo]
    public var budgetCurve: [BudgetPoint]
    /// Test-split records: what the budget view and the samples view show.
    public var samples: [SampleRecord]
    /// Validation-split records the budget schedule searches thresholds on (empty: use `samples`).
    public var validationSamples: [SampleRecord]
    public var classNames: [String]
    /// `ranet bench-exit` measurements of the run (real early exit timed), oldest first.
    public var exitBenchmarks: [ExitBenchmarkRecord]
    /// Creates a run detail.
    public init(
        run: RunSummary, lossSeries: [StepSeries] = [], epochs: [EpochMetric] = [],
        progress: TrainingProgress? = nil, exits: [ExitInfo] = [], budgetCurve: [BudgetPoint] = [],
        samples: [SampleRecord] = [], validationSamples: [SampleRecord] = [], classNames: [String] = [],
        exitBenchmarks: [ExitBenchmarkRecord] = []
    ) {
        self.run = run
        self.lossSeries = lossSeries
        self.epochs = epochs
        self.progress = progress
        self.exits = exits
        self.budgetCurve = budgetCurve
        self.samples = samples
        self.validationSamples = validationSamples
        self.classNames = classNames
        self.exitBenchmarks = exitBenchmarks
    }
    /// Name of class `index`, or its number when the names are unknown.
    public func className(_ index: some BinaryInteger) -> String {
        classNames.indices.contains(Int(index)) ? classNames[Int(index)] : "class \(index)"
    }
}

/// One snapshot of the data source.
public struct DashboardData: Hashable, Sendable {
    public var runs: [RunSummary]
    /// Details of the runs the dashboard asked for, keyed by run id.
    public var details: [Int64: RunDetail]
    /// Where the data comes from, shown in the status line.
    public var sourceDescription: String
    /// Creates a snapshot.
    public init(runs: [RunSummary], details: [Int64: RunDetail], sourceDescription: String) {
        self.runs = runs
        self.details = details
        self.sourceDescription = sourceDescription
    }
}

/// Reads dashboard data; implemented over the experiment store by ranet-tui and by a fake in tests.
public protocol DashboardDataSource: Sendable {
    /// A value that changes whenever the underlying data changed; cheap to read.
    func changeToken() throws -> Int64
    /// The run list plus the details of `runs`.
    func snapshot(detailsFor runs: Set<Int64>) throws -> DashboardData
}
