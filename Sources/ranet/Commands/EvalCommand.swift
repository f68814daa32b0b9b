import AdaptiveInference
import AdaptiveNets
import ArgumentParser
import Datasets
import ExitPolicies
import ExperimentRecords
import ExperimentStore
import Foundation
import NeuralEngine

/// `ranet eval`: every exit's outputs for every sample, stored; the anytime table and the budget curve.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract:
            "Evaluate a run's checkpoint on its validation and test splits: per-sample records, anytime table, budget curve.",
        discussion: """
            Stores per-sample records (label, per-exit max probability, entropy, margin, prediction and the image) so \
            that sweeps and the dashboard recompute any exit policy exactly. With both splits, the budgeted-batch \
            curve (p = 1/20 ... 39/20, thresholds from validation applied to test) is stored for each policy.
            """)

    @Option(name: .customLong("run"), help: "Run id.") var runID: Int64
    @Option(help: "Checkpoint file (default: the run's latest).") var checkpoint: String?
    @Option(help: "val, test or both.") var split: SplitChoice = .both
    @Option(help: "Images per forward pass.") var batchSize: Int = 256
    @Option(help: "Store thumbnails of at most this many images per split (0: none).") var images: Int = 10_000
    @Option(help: "Threads (OpenBLAS and the engine's loops); the records do not depend on it.") var threads: Int?
    @Flag(help: "Print one JSON object instead of tables.") var json = false
    @OptionGroup(title: "Data of a run trained elsewhere (recorded with the run on first use)")
    var source: DataSourceOptions
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        if let threads { EngineThreads.set(threads) }
        let store = try storeOptions.openStoreForReading()
        let loaded = try RunModel.load(
            store: store, runID: runID, checkpoint: checkpoint, source: source, strict: true)
        let progress = ProgressLine()
        // One part of each batch per engine thread, each on one thread: faster than one batch spread over all threads.
        let evaluator = try ExitEvaluator(
            model: loaded.model, normalization: loaded.settings.normalization,
            batchSize: batchSize, workers: EngineThreads.count)
        var results: [(String, ExitEvaluation, Int64)] = []
        for name in split.splits.map(\.rawValue) {
            let data = name == "val" ? try loaded.validationData() : try loaded.testData()
            guard data.count > 0 else {
                progress.message("\(name): no images, skipped")
                continue
            }
            let evaluation = try evaluator.evaluate(data) { done, total in
                progress.update("eval \(name) \(ProgressLine.bar(Double(done) / Double(total))) \(done)/\(total)")
            }
            progress.finishLine()
            let id = try EvaluationWriter.store(
                evaluation, split: name, data: data, loaded: loaded, store: store, images: images)
            results.append((name, evaluation, id))
        }
        var curves: [(ExitPolicy, BudgetedBatchCurve)] = []
        if let val = results.first(where: { $0.0 == "val" }), let test = results.first(where: { $0.0 == "test" }) {
            for policy in ExitPolicy.allCases {
                let batch = try BudgetedBatch(
                    validation: val.1.outputs, test: test.1.outputs, policy: policy,
                    cumulativeFlops: loaded.cumulativeFlops)
                let curve = try batch.curve()
                try EvaluationWriter.storeCurve(
                    curve, evaluationID: test.2, exitCount: loaded.model.exitCount, store: store)
                curves.append((policy, curve))
            }
        }
        let main = results.last!
        let maxprob = curves.first { $0.0 == .maxProb }?.1
        if json {
            printJSON(main, maxprob, exitCount: loaded.model.exitCount)
        } else {
            printTables(results, maxprob, exitCount: loaded.model.exitCount)
        }
    }

    func printJSON(_ main: (String, ExitEvaluation, Int64), _ curve: BudgetedBatchCurve?, exitCount: Int) {
        var object: [String: Any] = [
            "run": runID, "split": main.0, "evaluation": main.2, "threads": EngineThreads.count,
            "exits": main.1.anytime.map {
                [
                    "exit": $0.exit, "subnetwork": $0.subnetwork, "cumulativeFlops": $0.cumulativeFlops,
                    "accuracy": $0.accuracy,
                ]
            },
        ]
        // Always present (empty without both splits), so scripts can rely on the shape.
        object["budget"] = (curve?.points ?? []).map { point -> [String: Any] in
            [
                "p": point.p, "averageFlops": point.test.expectedFlops, "accuracy": point.test.accuracy,
                "thresholds": thresholdsJSON(point.thresholds, exitCount: exitCount),
            ]
        }
        print(
            String(
                decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(),
                as: UTF8.self))
    }

    func printTables(_ results: [(String, ExitEvaluation, Int64)], _ curve: BudgetedBatchCurve?, exitCount: Int) {
        for (name, evaluation, id) in results {
            print("\(name) split (evaluation \(id), \(evaluation.outputs.sampleCount) images): anytime table")
            print("exit  sub-network  cum. MFLOPs  accuracy")
            for row in evaluation.anytime {
                print(
                    String(
                        format: "%4d  %11d  %11.3f  %7.2f%%", row.exit, row.subnetwork,
                        Double(row.cumulativeFlops) / 1e6, row.accuracy * 100))
            }
        }
        guard let curve else { return }
        print("budgeted batch classification (maxprob; thresholds from val, applied to test)")
        print("    p   avg MFLOPs  accuracy  exit shares (%)")
        for point in curve.points {
            let shares = point.test.exitShares.map { String(format: "%.0f", $0 * 100) }.joined(separator: " ")
            print(
                String(
                    format: "%5.2f  %11.3f  %7.2f%%  ", point.p, point.test.expectedFlops / 1e6,
                    point.test.accuracy * 100) + shares)
        }
    }
}

/// Writes evaluations, per-sample records and budget curves into the store.
enum EvaluationWriter {
    static func store(
        _ e: ExitEvaluation, split: String, data: Dataset, loaded: RunModel, store: ExperimentStore,
        images: Int
    ) throws -> Int64 {
        let record = EvaluationRecord(
            runID: loaded.runID, checkpointPath: loaded.checkpointPath, split: split,
            exitFLOPs: loaded.cumulativeFlops, exitParams: loaded.cost.cumulativeParams.map(Int64.init),
            exitAccuracy: e.anytime.map { Float($0.accuracy) })
        return try self.store(e.outputs, record: record, store: store) { i in
            i < images
                ? SampleImage(
                    channels: data.channels, height: data.height, width: data.width, pixels: Array(data.image(at: i)))
                : nil
        }
    }

    static func storeCurve(
        _ curve: BudgetedBatchCurve, evaluationID: Int64, exitCount: Int, store: ExperimentStore
    ) throws {
        let points = curve.points.map { p in
            BudgetPoint(
                parameter: p.p, thresholds: curve.policy.storable(p.thresholds, exitCount: exitCount),
                expectedFLOPs: p.test.expectedFlops, accuracy: p.test.accuracy)
        }
        _ = try store.saveBudgetCurve(
            BudgetCurve(evaluationID: evaluationID, policy: curve.policy.rawValue, points: points))
    }
}
