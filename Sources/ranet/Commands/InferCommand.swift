import AdaptiveInference
import ArgumentParser
import Datasets
import ExitPolicies
import Foundation
import ModelConfigs
import NeuralEngine

/// `ranet infer`: real early exit on image files or a dataset split, per image the exit it left at.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract:
            "Classify images with real early exit: per image the exit, sub-network (resolution), class and confidence.",
        discussion: """
            Each batch runs exit by exit (the blocks up to an exit, then its classifier); images that pass the exit's \
            threshold leave and only the others go on, so an image leaving at an exit costs exactly that exit's FLOPs. At the end: measured images/s and the average MFLOPs actually spent.

            Images: --image FILE (PNG or JPEG, several allowed) or a dataset split (--split, --dataset, --data-root; \
            default the run's test split). Their height and width must equal the model's input: other sizes are \
            refused, or with --fit resized as the reference's evaluation does (shorter side to 256/224 of the input, \
            centre crop). Channels are converted: grey to RGB by replication, RGB to grey as ITU-R 601 luma; alpha is dropped.

            Exit rule: --threshold T, or --budget MFLOPS (thresholds solved on the run's validation split: stored records \
            of this checkpoint when `ranet eval` made them after it was written, else evaluated now). Default: a budget of \
            half the last exit's MFLOPs. Thresholds outside the policy's range and budgets below the first or above the \
            last exit's MFLOPs are refused. Confidence is the max softmax probability at the exit.

            --deadline-ms D: anytime prediction, one image at a time. Each exit's latency is measured first on this \
            machine (batch 1); exits then run in order and each image is answered by the deepest exit finished within D \
            ms of its start: an exit whose measured latency cannot fit is never started. With --threshold or --budget \
            as well, a confident exit answers first. A deadline below the first exit's latency is answered by the first \
            exit and counted as a miss.

            --stream: images one at a time in arrival order (file order) under --budget (default half the last exit's \
            MFLOPs): the budgeted p-schedule's operating point is adapted after every image so the running average cost \
            stays at the budget even when the images drift away from the validation split. Reports the worst average \
            over any 1,000 consecutive images.
            """)

    @OptionGroup var model: ModelOptions
    @Option(name: .customLong("image"), parsing: .upToNextOption, help: "PNG or JPEG file(s) to classify.")
    var images: [String] = []
    @Flag(help: "Resize --image files of another size (shorter side, then centre crop) to the model's input.")
    var fit = false
    @OptionGroup var data: DataOptions
    @OptionGroup var rule: ExitRuleOptions
    @Option(help: "Images per early-exit batch.") var batchSize: Int = 64
    @Option(help: "Threads (OpenBLAS and the engine's loops).") var threads: Int?
    @Option(help: "Anytime mode: answer each image (batch 1) with the deepest exit finished within this many ms.")
    var deadlineMs: Double?
    @Flag(help: "Stream mode: images in arrival order, the budget held on the running average cost.") var stream = false
    @Option(help: "Stream mode: images in the running average shown while it runs.")
    var window: Int = StreamBudgetController.defaultWindow
    @Flag(help: "Print one JSON object instead of tables.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if fit && images.isEmpty { throw ValidationError("--fit applies to --image files") }
        if let deadlineMs, !(deadlineMs.isFinite && deadlineMs >= 0) {
            throw ValidationError("--deadline-ms must be a number of milliseconds >= 0, got \(deadlineMs)")
        }
        if deadlineMs != nil && stream { throw ValidationError("give --deadline-ms or --stream, not both") }
        if stream && rule.threshold != nil {
            throw ValidationError("--stream adapts the thresholds to a --budget; --threshold cannot be used with it")
        }
        if window < 1 { throw ValidationError("--window must be at least 1 image, got \(window)") }
        if !images.isEmpty && (data.dataset != nil || data.dataRoot != nil || data.limit != nil) {
            throw ValidationError("give --image files or a dataset (--dataset/--data-root/--limit), not both")
        }
    }

    func run() throws {
        if let threads { EngineThreads.set(threads) }
        let store = try storeOptions.openStoreForReading()
        let loaded = try model.load(store, source: data.source)
        let progress = ProgressLine()
        let classNames = InferenceInputs.classNames(of: loaded.settings, classes: loaded.model.classes)
        let fromFiles = !images.isEmpty
        let (dataset, source) =
            fromFiles
            ? (
                try InferenceInputs.imageFiles(
                    images, inputShape: loaded.model.inputShape, classNames: classNames, fit: fit,
                    note: progress.message),
                "\(images.count) image file(s)"
            )
            : try InferenceInputs.dataset(data, loaded: loaded, note: progress.message)
        let names = fromFiles ? images : (0..<dataset.count).map(String.init)
        if let deadlineMs {
            let confident =
                rule.threshold != nil || rule.budget != nil
                ? try ResolvedRule.resolve(rule, loaded: loaded, store: store, batchSize: batchSize) : nil
            let mode = DeadlineMode(
                loaded: loaded, dataset: dataset, names: names, hasLabels: !fromFiles, deadlineMs: deadlineMs,
                policy: rule.policy, resolved: confident, json: json)
            try EngineThreads.forSingleImages { try mode.run(progress: progress) }
            return
        }
        if stream {
            let budget = try ResolvedRule.budgetTarget(rule, cumulativeFlops: loaded.cumulativeFlops)
            let (validation, source) = try ResolvedRule.validationOutputs(
                loaded: loaded, store: store, batchSize: batchSize)
            let mode = StreamMode(
                loaded: loaded, dataset: dataset, names: names, hasLabels: !fromFiles, policy: rule.policy,
                budget: budget, window: window, validation: validation, validationSource: source, json: json)
            try EngineThreads.forSingleImages { try mode.run(progress: progress) }
            return
        }
        let resolved = try ResolvedRule.resolve(rule, loaded: loaded, store: store, batchSize: batchSize)
        let executor = try EarlyExitExecutor(model: loaded.model, policy: rule.policy, thresholds: resolved.thresholds)
        let result = try executor.run(
            dataset: dataset, normalization: loaded.settings.normalization, batchSize: batchSize
        ) { done, total in
            progress.update("infer \(ProgressLine.bar(Double(done) / Double(total))) \(done)/\(total)")
        }
        progress.finishLine()
        let report = InferReport(
            loaded: loaded, dataset: dataset, source: source, fileNames: fromFiles ? images : nil, resolved: resolved,
            result: result, layout: try loaded.exitLayout(), spent: result.executedFlops)
        if json {
            try printJSONObject(report.jsonObject(policy: rule.policy, batchSize: batchSize))
            return
        }
        progress.message(
            "run \(loaded.runID), checkpoint \(loaded.checkpointPath); \(source); policy \(rule.policy), thresholds per exit \(resolved.thresholds.text(exitCount: loaded.model.exitCount)) (from \(resolved.source))"
        )
        report.printTable()
        print(report.summary(batchSize: batchSize))
    }
}

/// What `ranet infer` found, per image and in total, ready to print as a table or JSON.
private struct InferReport {
    let loaded: RunModel
    let dataset: Dataset
    let source: String
    /// The PNG file names, or nil for a dataset split (its images are named by index and have labels).
    let fileNames: [String]?
    let resolved: ResolvedRule
    let result: EarlyExitRun
    let layout: [ExitPlacement]
    /// Average FLOPs per image actually spent.
    let spent: Double

    var fromFiles: Bool { fileNames != nil }
    var names: [String] { fileNames ?? (0..<dataset.count).map(String.init) }
    var rows: InferRows { InferRows(names: names, dataset: dataset, hasLabels: !fromFiles) }

    func jsonObject(policy: ExitPolicy, batchSize: Int) -> [String: Any] {
        let exitStage = loaded.model.exitStage
        let rows = rows
        var object: [String: Any] = [
            "run": loaded.runID, "checkpoint": loaded.checkpointPath, "source": source,
            "policy": policy.rawValue,
            "thresholds": thresholdsJSON(resolved.thresholds, exitCount: loaded.model.exitCount),
            "batchSize": batchSize, "imagesPerSecond": result.imagesPerSecond, "averageFlops": spent,
            "images": (0..<dataset.count).map { i in
                let exit = result.exitIndex[i]
                return rows.json(
                    i, exit: exit, statistics: result.statistics[i],
                    extra: ["subnetwork": exitStage[exit], "resolution": [layout[exit].height, layout[exit].width]])
            },
        ]
        if let budget = resolved.budgetFlops { object["budget"] = budget }
        if !fromFiles { object["accuracy"] = result.accuracy }
        return object
    }

    /// One row per image: its exit, the sub-network (resolution) it left in, the class and confidence.
    func printTable() {
        let names = names
        let width = max(5, names.map(\.count).max() ?? 5)
        print(
            "image".padding(toLength: width, withPad: " ", startingAt: 0) + "  exit  sub-network  class"
                + String(repeating: " ", count: 14)
                + "confidence" + (fromFiles ? "" : "  true class"))
        for i in 0..<dataset.count {
            let exit = result.exitIndex[i]
            let s = result.statistics[i]
            let subnetwork = "\(loaded.model.exitStage[exit]) (\(layout[exit].height)x\(layout[exit].width))"
            let className = "\(s.predicted) \(dataset.classNames[Int(s.predicted)])"
            print(
                names[i].padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "  %4d  ", exit) + subnetwork.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + "  " + className.padding(toLength: 18, withPad: " ", startingAt: 0)
                    + String(format: "  %10.4f", s.maxProb)
                    + (fromFiles ? "" : "  \(dataset.labels[i]) \(dataset.classNames[Int(dataset.labels[i])])"))
        }
    }

    func summary(batchSize: Int) -> String {
        let last = Double(loaded.cumulativeFlops[loaded.model.exitCount - 1])
        var summary = String(
            format:
                "%d images, %.1f images/s (batch %d, %d thread(s)), average %.3f MFLOPs spent (%.1f%% of the last exit's %.3f)",
            dataset.count, result.imagesPerSecond, batchSize, EngineThreads.count, spent / 1e6, spent / last * 100,
            last / 1e6)
        if let budget = resolved.budgetFlops { summary += String(format: ", budget %.3f MFLOPs", budget / 1e6) }
        if !fromFiles { summary += String(format: ", accuracy %.2f%%", result.accuracy * 100) }
        return summary
    }
}
