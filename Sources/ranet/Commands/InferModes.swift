import AdaptiveInference
import Datasets
import ExitPolicies
import Foundation
import NeuralEngine

/// `ranet infer --deadline-ms D`: anytime prediction, one image at a time, each answered by the deepest exit finished
/// before its deadline (and a confident exit first when a rule is given).
struct DeadlineMode {
    let loaded: RunModel
    let dataset: Dataset
    let names: [String]
    let hasLabels: Bool
    let deadlineMs: Double
    let policy: ExitPolicy
    /// The confidence rule, or nil for the deadline alone.
    let resolved: ResolvedRule?
    let json: Bool

    func run(progress: ProgressLine) throws {
        let rows = InferRows(names: names, dataset: dataset, hasLabels: hasLabels)
        let K = loaded.model.exitCount
        let thresholds = resolved?.thresholds ?? .perExit([Float?](repeating: nil, count: K - 1))
        let executor = try EarlyExitExecutor(model: loaded.model, policy: policy, thresholds: thresholds)
        progress.message(
            "deadline \(deadlineMs) ms: measuring each exit's latency on this machine (batch 1, \(LatencyProfile.defaultImages) images)..."
        )
        let calibration = try ExitBenchmark.images(
            dataset.prefix(min(dataset.count, 32)), normalization: loaded.settings.normalization)
        let profile = try LatencyProfile.measure(model: loaded.model, images: calibration)
        progress.message(
            "latency to each exit (p\(Int(profile.quantile * 100)), ms): "
                + profile.exitSeconds.map { String(format: "%.2f", $0 * 1000) }.joined(separator: " "))
        if deadlineMs / 1000 < profile.exitSeconds[0] {
            progress.message(
                String(
                    format: "deadline %.3f ms is below the first exit's %.3f ms: images are answered by it, late",
                    deadlineMs, profile.exitSeconds[0] * 1000))
        }
        let runner = try DeadlineInference(executor: executor, profile: profile)
        let result = try runner.run(
            dataset: dataset, normalization: loaded.settings.normalization, deadline: deadlineMs / 1000
        ) { done, total in
            progress.update("infer \(ProgressLine.bar(Double(done) / Double(total))) \(done)/\(total)")
        }
        progress.finishLine()
        let counts = result.exitCounts(exitCount: K)
        if json {
            var object: [String: Any] = [
                "run": loaded.runID, "checkpoint": loaded.checkpointPath, "deadlineMs": deadlineMs,
                "policy": resolved == nil ? "none" : policy.rawValue,
                "thresholds": thresholdsJSON(thresholds, exitCount: K), "threads": EngineThreads.count,
                "deadlineMisses": result.misses, "meanLatencyMs": result.meanLatency * 1000,
                "p99LatencyMs": result.p99Latency * 1000, "exitCounts": counts,
                "latencyProfile": [
                    "exitMs": profile.exitSeconds.map { $0 * 1000 },
                    "segmentMs": profile.segmentSeconds.map { $0 * 1000 }, "quantile": profile.quantile,
                    "images": profile.images,
                ],
                "images": result.answers.enumerated().map { index, answer in
                    rows.json(
                        index, exit: answer.exit, statistics: answer.statistics,
                        extra: ["latencyMs": answer.latency * 1000, "missed": answer.missed])
                },
            ]
            if hasLabels { object["accuracy"] = result.accuracy }
            try printJSONObject(object)
            return
        }
        print(rows.header("  latency ms"))
        for (index, answer) in result.answers.enumerated() {
            print(
                rows.line(
                    index, exit: answer.exit, statistics: answer.statistics,
                    rest: String(format: "  %10.3f", answer.latency * 1000) + (answer.missed ? "  LATE" : "")))
        }
        var summary = String(
            format: "%d images, deadline %.3f ms: %d missed, latency mean %.3f ms, p99 %.3f ms; exits %@",
            result.answers.count, deadlineMs, result.misses, result.meanLatency * 1000, result.p99Latency * 1000,
            counts.map(String.init).joined(separator: "/"))
        if hasLabels { summary += String(format: ", accuracy %.2f%%", result.accuracy * 100) }
        print(summary)
    }
}

/// `ranet infer --stream`: images in arrival order under a budget the controller holds on the running cost.
struct StreamMode {
    let loaded: RunModel
    let dataset: Dataset
    let names: [String]
    let hasLabels: Bool
    let policy: ExitPolicy
    let budget: Double
    let window: Int
    let validation: ExitOutputs
    let validationSource: String
    let json: Bool

    /// Window the budget is judged on: the issue's 1,000 images (the whole stream when shorter).
    static let judgedWindow = 1000

    func run(progress: ProgressLine) throws {
        let rows = InferRows(names: names, dataset: dataset, hasLabels: hasLabels)
        var controller: StreamBudgetController
        do {
            controller = try StreamBudgetController(
                validation: validation, policy: policy, cumulativeFlops: loaded.cumulativeFlops, budget: budget,
                window: window)
        } catch {
            throw CLIError("--stream: \(error)")
        }
        progress.message(
            String(format: "stream: budget %.3f MFLOPs, thresholds table solved on %@", budget / 1e6, validationSource))
        let executor = try EarlyExitExecutor(model: loaded.model, policy: policy, thresholds: controller.thresholds)
        let result = try executor.runStream(
            dataset: dataset, normalization: loaded.settings.normalization, controller: &controller
        ) { done, total, controller in
            progress.update(
                "stream \(ProgressLine.bar(Double(done) / Double(total))) \(done)/\(total) "
                    + String(format: "avg %.3f MFLOPs (last %d)", controller.runningAverage / 1e6, controller.window))
        }
        progress.finishLine()
        let run = result.run
        let K = loaded.model.exitCount
        let worst = run.worstWindowMiss(budget: budget, window: Self.judgedWindow)
        let imagesPerSecond = result.imagesPerSecond
        if json {
            var object: [String: Any] = [
                "run": loaded.runID, "checkpoint": loaded.checkpointPath, "policy": policy.rawValue, "budget": budget,
                "window": window, "averageFlops": run.averageFlops,
                "worstWindowMiss": worst, "judgedWindow": min(Self.judgedWindow, run.count),
                "runningAverage": controller.runningAverage, "finalLevel": controller.level,
                "imagesPerSecond": imagesPerSecond,
                "finalThresholds": thresholdsJSON(controller.thresholds, exitCount: K),
                "exitCounts": (0..<K).map { exit in run.exitIndex.filter { $0 == exit }.count },
                "images": (0..<run.count).map { index in
                    rows.json(
                        index, exit: run.exitIndex[index], statistics: result.statistics[index],
                        extra: ["flops": run.flops[index]])
                },
            ]
            if hasLabels { object["accuracy"] = run.accuracy }
            try printJSONObject(object)
            return
        }
        print(rows.header("  MFLOPs"))
        for index in 0..<run.count {
            print(
                rows.line(
                    index, exit: run.exitIndex[index], statistics: result.statistics[index],
                    rest: String(format: "  %6.3f", run.flops[index] / 1e6)))
        }
        var summary = String(
            format:
                "%d images in arrival order, budget %.3f MFLOPs: average %.3f MFLOPs, worst %d-image window %.1f%% off the budget, %.1f images/s",
            run.count, budget / 1e6, run.averageFlops / 1e6, min(Self.judgedWindow, run.count), worst * 100,
            imagesPerSecond)
        if hasLabels { summary += String(format: ", accuracy %.2f%%", run.accuracy * 100) }
        print(summary)
    }
}
