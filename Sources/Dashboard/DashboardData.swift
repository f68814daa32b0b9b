import Foundation

/// Lifecycle state of a training run.
public enum RunStatus: String, Hashable, Sendable, CaseIterable {
    case running, finished, failed, interrupted, unknown
}

/// One row of the runs table.
public struct RunSummary: Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var status: RunStatus
    public var dataset: String
    public var architecture: String
    public var epochsDone: Int
    public var epochsTotal: Int
    /// Best validation accuracy of the last exit, as a fraction in [0, 1].
    public var bestAccuracy: Double?
    /// Cumulative MFLOPs of the last exit.
    public var mflops: Double?

    /// Creates a run summary.
    public init(
        id: Int64, name: String, status: RunStatus, dataset: String, architecture: String,
        epochsDone: Int, epochsTotal: Int, bestAccuracy: Double?, mflops: Double?
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.dataset = dataset
        self.architecture = architecture
        self.epochsDone = epochsDone
        self.epochsTotal = epochsTotal
        self.bestAccuracy = bestAccuracy
        self.mflops = mflops
    }
}

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
}

/// Validation metrics of every exit after one epoch.
public struct EpochMetrics: Hashable, Sendable {
    /// 1-based, as the trainer's progress line counts them.
    public var epoch: Int
    public var validationLoss: [Double]
    /// Top-1 accuracy per exit, fractions in [0, 1].
    public var validationAccuracy: [Double]
    /// Creates epoch metrics.
    public init(epoch: Int, validationLoss: [Double], validationAccuracy: [Double]) {
        self.epoch = epoch
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
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

/// A point of a stored budget curve.
public struct BudgetPoint: Hashable, Sendable {
    public var averageMFLOPs: Double
    public var accuracy: Double
    /// Creates a budget point.
    public init(averageMFLOPs: Double, accuracy: Double) {
        self.averageMFLOPs = averageMFLOPs
        self.accuracy = accuracy
    }
}

/// A small image stored with a sample, row-major, 1 (grey) or 3 (RGB) channels interleaved.
public struct SampleImage: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]
    /// Creates an image; `pixels.count` must be `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
    /// The colour of pixel (x, y); out-of-range or short data gives black.
    public func color(x: Int, y: Int) -> RGB {
        let base = (y * width + x) * channels
        guard x >= 0, y >= 0, x < width, y < height, base + channels <= pixels.count else { return RGB(grey: 0) }
        if channels >= 3 { return RGB(pixels[base], pixels[base + 1], pixels[base + 2]) }
        return RGB(grey: pixels[base])
    }
}

/// Outputs of every exit for one test sample.
public struct SampleRecord: Hashable, Sendable {
    /// Index of the sample in its dataset split.
    public var index: Int
    public var label: Int
    /// Max softmax probability per exit.
    public var confidence: [Float]
    /// Predicted class per exit.
    public var predicted: [Int]
    /// Softmax entropy per exit (nats).
    public var entropy: [Float]
    /// Top-1 minus top-2 probability per exit, when stored.
    public var margin: [Float]?
    public var image: SampleImage?
    /// Creates a sample record.
    public init(
        index: Int, label: Int, confidence: [Float], predicted: [Int], entropy: [Float],
        margin: [Float]? = nil, image: SampleImage? = nil
    ) {
        self.index = index
        self.label = label
        self.confidence = confidence
        self.predicted = predicted
        self.entropy = entropy
        self.margin = margin
        self.image = image
    }
}

/// Everything the dashboard shows about one run.
public struct RunDetail: Hashable, Sendable {
    public var run: RunSummary
    /// Training loss per exit (one series per exit).
    public var lossSeries: [StepSeries]
    public var epochs: [EpochMetrics]
    public var progress: TrainingProgress?
    /// Evaluated exits (empty when the run was not evaluated).
    public var exits: [ExitInfo]
    public var budgetCurve: [BudgetPoint]
    /// Test-split records: what the budget view and the samples view show.
    public var samples: [SampleRecord]
    /// Validation-split records the budget schedule searches thresholds on (empty: use `samples`).
    public var validationSamples: [SampleRecord]
    public var classNames: [String]
    /// Creates a run detail.
    public init(
        run: RunSummary, lossSeries: [StepSeries] = [], epochs: [EpochMetrics] = [],
        progress: TrainingProgress? = nil, exits: [ExitInfo] = [], budgetCurve: [BudgetPoint] = [],
        samples: [SampleRecord] = [], validationSamples: [SampleRecord] = [], classNames: [String] = []
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
    }
    /// Name of class `index`, or its number when the names are unknown.
    public func className(_ index: Int) -> String {
        classNames.indices.contains(index) ? classNames[index] : "class \(index)"
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
