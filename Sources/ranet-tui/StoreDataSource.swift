import Dashboard
import ExperimentStore
import Foundation
import ModelConfigs
import Synchronization

/// Reads the experiment store for the dashboard; runs on the poller's thread.
final class StoreDataSource: DashboardDataSource {
    /// Only the first this many samples (by index) of an evaluation carry their image, to bound memory.
    static let imageLimit = 3_000
    private let store: Store
    private let detector: StoreChangeDetector
    private let description: String
    /// The database file actually opened (a temporary copy for read-only sample data).
    let openPath: String
    /// Converted samples per evaluation with the row count they were read at: a finished evaluation is not
    /// re-read (and its images not re-queried) at every poll while a training run keeps the store changing.
    private let sampleCache = Mutex<[Int64: (count: Int, samples: [Dashboard.SampleRecord])]>([:])

    /// Opens the store; a read-only one (the bundled sample data) is copied to a temporary directory first,
    /// because SQLite in WAL mode writes -wal/-shm files next to the database.
    init(path: String, readOnly: Bool) throws {
        var openPath = path
        if readOnly {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-tui-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let copy = directory.appendingPathComponent("ranet.sqlite")
            try? FileManager.default.removeItem(at: copy)
            try FileManager.default.copyItem(atPath: path, toPath: copy.path)
            openPath = copy.path
        }
        self.openPath = openPath
        store = try Store(path: openPath)
        detector = try StoreChangeDetector(store: store)
        // The sample data is always the same bundled file: a short fixed label keeps screenshots stable.
        description = readOnly ? "bundled sample data (read-only)" : "store " + path
    }

    func changeToken() throws -> Int64 { try detector.version() }

    func snapshot(detailsFor runs: Set<Int64>) throws -> DashboardData {
        let summaries = try store.runSummaries()
        var details: [Int64: RunDetail] = [:]
        for stored in summaries {
            let summary = Self.summary(stored)
            if runs.contains(summary.id) { details[summary.id] = try detail(summary, stored.run) }
        }
        let converted = summaries.map(Self.summary)
        return DashboardData(runs: converted, details: details, sourceDescription: description)
    }

    static func summary(_ stored: StoreRunSummary) -> Dashboard.RunSummary {
        let run = stored.run
        return Dashboard.RunSummary(
            id: run.id ?? 0, name: run.name, status: Dashboard.RunStatus(rawValue: run.status.rawValue) ?? .unknown,
            dataset: run.dataset, architecture: run.architecture, epochsDone: run.epochsDone,
            epochsTotal: run.epochsPlanned, bestAccuracy: stored.bestLastExitAccuracy.map(Double.init),
            mflops: stored.lastExitFLOPs.map { Double($0) / 1e6 })
    }

    private func detail(_ summary: Dashboard.RunSummary, _ record: RunRecord) throws -> RunDetail {
        let steps = try store.stepMetrics(runID: summary.id)
        let epochs = try store.epochMetrics(runID: summary.id)
        var detail = RunDetail(
            run: summary, lossSeries: Self.lossSeries(steps),
            epochs: epochs.map {
                // The store counts epochs from 0, the trainer's progress line and the dashboard from 1.
                EpochMetrics(
                    epoch: $0.epoch + 1, validationLoss: $0.validationLoss.map(Double.init),
                    validationAccuracy: $0.validationAccuracy.map(Double.init))
            }, classNames: Self.classNames(dataset: summary.dataset))
        if summary.status == .running {
            detail.progress = StoredTrainingEstimate.progress(run: record, steps: steps, epochs: epochs)
        }
        let evaluations = try store.evaluations(runID: summary.id)
        if let test = evaluations.last(where: { $0.split == "test" }) ?? evaluations.last, let id = test.id {
            let layout = ModelConfig.exitLayout(configJSON: record.configJSON).flatMap {
                $0.count == test.exitFLOPs.count ? $0 : nil
            }
            detail.exits = test.exitFLOPs.indices.map { exit in
                ExitInfo(
                    subnetwork: layout?[exit].subnetwork ?? -1, resolution: layout?[exit].height ?? 0,
                    cumulativeMFLOPs: Double(test.exitFLOPs[exit]) / 1e6,
                    accuracy: exit < test.exitAccuracy.count ? Double(test.exitAccuracy[exit]) : 0)
            }
            detail.samples = try samples(evaluationID: id, withImages: true)
            if let curve = try store.budgetCurves(evaluationID: id).first {
                detail.budgetCurve = curve.points.map {
                    Dashboard.BudgetPoint(averageMFLOPs: $0.expectedFLOPs / 1e6, accuracy: $0.accuracy)
                }
            }
            if let validation = evaluations.last(where: { $0.split.hasPrefix("val") }), let validationID = validation.id
            {
                detail.validationSamples = try samples(evaluationID: validationID, withImages: false)
            }
        }
        return detail
    }

    private func samples(evaluationID: Int64, withImages: Bool) throws -> [Dashboard.SampleRecord] {
        let count = try store.sampleCount(evaluationID: evaluationID)
        if let cached = sampleCache.withLock({ $0[evaluationID] }), cached.count == count { return cached.samples }
        let samples = try readSamples(evaluationID: evaluationID, withImages: withImages)
        sampleCache.withLock { $0[evaluationID] = (count, samples) }
        return samples
    }

    private func readSamples(evaluationID: Int64, withImages: Bool) throws -> [Dashboard.SampleRecord] {
        let table = try store.sampleTable(evaluationID: evaluationID)
        let count = table.sampleCount
        let exits = table.exitCount
        let limitIndex = count > Self.imageLimit ? Int(table.sampleIndices[Self.imageLimit]) : Int.max
        let images = withImages ? try store.sampleImages(evaluationID: evaluationID, indexLimit: limitIndex) : [:]
        return (0..<count).map { sample in
            func column<T>(_ values: [T]) -> [T] {
                values.isEmpty ? [] : (0..<exits).map { values[$0 * count + sample] }
            }
            let index = Int(table.sampleIndices[sample])
            let image = images[index].map(Self.image)
            let margins = column(table.margin)
            return Dashboard.SampleRecord(
                index: index, label: Int(table.labels[sample]), confidence: column(table.maxProb),
                predicted: column(table.predicted).map(Int.init), entropy: column(table.entropy),
                margin: margins.isEmpty ? nil : margins, image: image)
        }
    }

    /// The store keeps pixels channel-major (CHW); the dashboard reads them interleaved (HWC).
    static func image(_ stored: StoreSampleImage) -> Dashboard.SampleImage {
        let plane = stored.width * stored.height
        let channels = stored.channels
        var pixels = stored.pixels
        if channels > 1, stored.pixels.count == plane * channels {
            for index in 0..<plane {
                for channel in 0..<channels {
                    pixels[index * channels + channel] = stored.pixels[channel * plane + index]
                }
            }
        }
        return Dashboard.SampleImage(width: stored.width, height: stored.height, channels: channels, pixels: pixels)
    }

    /// One loss series per exit, with wall times made increasing across resumes (each process counts from 0).
    static func lossSeries(_ steps: [StoreStepMetric]) -> [StepSeries] {
        let exits = steps.map(\.exitLosses.count).max() ?? 0
        let wallTimes = Dashboard.TrainingEstimate.continuousWallTimes(steps.map(\.wallTime))
        return (0..<exits).map { exit in
            let rows = steps.indices.filter { exit < steps[$0].exitLosses.count }
            return StepSeries(
                exit: exit, steps: rows.map { steps[$0].step },
                losses: rows.map { Double(steps[$0].exitLosses[exit]) }, wallTimes: rows.map { wallTimes[$0] })
        }
    }

    static func classNames(dataset: String) -> [String] {
        switch dataset.lowercased() {
        case "fashion-mnist", "fmnist", "fashion_mnist":
            ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]
        case "cifar10", "cifar-10":
            ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        case "mnist": (0..<10).map(String.init)
        default: []
        }
    }
}
