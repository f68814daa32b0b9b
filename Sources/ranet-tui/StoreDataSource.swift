import AdaptiveNets
import Dashboard
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs
import Synchronization

/// Reads the experiment store for the dashboard; runs on the poller's thread.
final class StoreDataSource: DashboardDataSource {
    /// Only the first this many samples (by index) of an evaluation carry their image, to bound memory.
    static let imageLimit = 3_000
    private let store: ExperimentStore
    private let detector: StoreChangeDetector
    private let description: String
    /// The database file actually opened (a temporary copy for read-only sample data).
    let openPath: String
    /// Samples per evaluation with the row count they were read at: a finished evaluation is not re-read (and its
    /// images not re-queried) at every poll while a training run keeps the store changing.
    /// Runs without an evaluation show the last-exit FLOPs of their model config (e.g. logged from PyTorch).
    private let flopsCache = ConfigFlopsCache()
    private let sampleCache = Mutex<[Int64: (count: Int, samples: [SampleRecord])]>([:])

    /// Opens the store; a read-only one (the bundled sample data) through a temporary copy
    /// (`ExperimentStore.openCopy`), because SQLite in WAL mode writes -wal/-shm files next to the database.
    init(path: String, readOnly: Bool) throws {
        store = try readOnly ? ExperimentStore.openCopy(of: path) : ExperimentStore(path: path)
        openPath = store.path
        detector = try StoreChangeDetector(store: store)
        // The sample data is always the same bundled file: a short fixed label keeps screenshots stable.
        description = readOnly ? "bundled sample data (read-only)" : "store " + path
    }

    /// Deletes the temporary copy of the bundled sample data (nothing for a store of the user's).
    func removeTemporaryCopy() { ExperimentStore.removeCopy(store) }

    func changeToken() throws -> Int64 { try detector.version() }

    func snapshot(detailsFor runs: Set<Int64>) throws -> DashboardData {
        let summaries = try store.runSummaries().map { summary in
            var summary = summary
            summary.lastExitFLOPs = summary.lastExitFLOPs ?? flopsCache.lastExitFlops(configJSON: summary.configJSON)
            return summary
        }
        var details: [Int64: RunDetail] = [:]
        for summary in summaries where runs.contains(summary.id) {
            details[summary.id] = try detail(summary)
        }
        return DashboardData(runs: summaries, details: details, sourceDescription: description)
    }

    private func detail(_ summary: RunSummary) throws -> RunDetail {
        let record = summary.run
        let steps = try store.stepMetrics(runID: summary.id)
        let epochs = try store.epochMetrics(runID: summary.id)
        var detail = RunDetail(
            run: summary, lossSeries: StepSeries.perExit(steps), epochs: epochs,
            classNames: ClassLabels.forDataset(summary.dataset))
        detail.exitBenchmarks = try store.exitBenchmarks(runID: summary.id)
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
                detail.budgetCurve = curve.points
            }
            if let validation = evaluations.last(where: { $0.split.hasPrefix("val") }), let validationID = validation.id
            {
                detail.validationSamples = try samples(evaluationID: validationID, withImages: false)
            }
        }
        return detail
    }

    private func samples(evaluationID: Int64, withImages: Bool) throws -> [SampleRecord] {
        let count = try store.sampleCount(evaluationID: evaluationID)
        if let cached = sampleCache.withLock({ $0[evaluationID] }), cached.count == count { return cached.samples }
        let samples = try readSamples(evaluationID: evaluationID, withImages: withImages)
        sampleCache.withLock { $0[evaluationID] = (count, samples) }
        return samples
    }

    private func readSamples(evaluationID: Int64, withImages: Bool) throws -> [SampleRecord] {
        let table = try store.sampleTable(evaluationID: evaluationID)
        let count = table.sampleCount
        let limitIndex = count > Self.imageLimit ? Int(table.sampleIndices[Self.imageLimit]) : Int.max
        let images = withImages ? try store.sampleImages(evaluationID: evaluationID, indexLimit: limitIndex) : [:]
        return (0..<count).map { sample in
            var record = table.record(at: sample)
            record.image = images[record.sampleIndex]
            return record
        }
    }
}
