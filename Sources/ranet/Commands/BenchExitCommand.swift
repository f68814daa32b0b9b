import AdaptiveInference
import ArgumentParser
import ExitPolicies
import ExperimentRecords
import Foundation
import NeuralEngine

/// `ranet bench-exit`: every exit for every image against real early exit, timed side by side on the same images.
struct BenchExitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-exit",
        abstract:
            "Time every exit computed for every image against real early exit at a budget: FLOPs ratio vs time ratio.",
        discussion: """
            Both modes run on the same images, assembled up front so only model work is timed; each is timed as the \
            best of --repetitions passes after an untimed warm-up batch. The FLOPs ratio is the early-exit average FLOPs \
            (simulation: sum of share x cumulative FLOPs of each exit) over the last exit's; the time ratio is early-exit \
            time over all-exits time. Early exit's exits and classes are checked against a simulation of the all-exits \
            outputs, image by image, and the FLOPs the engine really counted are reported next to the cost model's. \
            Then each exit's latency for one image at a time (batch 1, the 0.99 quantile of 100 timings) is measured: \
            what `ranet infer --deadline-ms` plans with. The result is stored with the run (the store's exit_benchmarks \
            table; the dashboard's Budget view shows its measured speed-up). Build with -c release; the OpenBLAS kernel \
            (corename) is printed.

            Images and channel conversion as in `ranet infer` (default: the run's test split). Exit rule: --budget \
            MFLOPS (default: half the last exit's MFLOPs), thresholds solved on the run's validation split, or \
            --threshold T. Budgets below the first or above the last exit's MFLOPs and thresholds outside the policy's \
            range are refused.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var rule: ExitRuleOptions
    @Option(help: "Images per forward pass (both modes).") var batchSize: Int = 64
    @Option(help: "Timed passes per mode (the best counts).") var repetitions: Int = 3
    @Option(help: "Threads (OpenBLAS and the engine's loops).") var threads: Int?
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
    }

    func run() throws {
        if let threads { EngineThreads.set(threads) }
        let store = try storeOptions.openStoreForReading()
        let loaded = try model.load(store, source: data.source)
        let progress = ProgressLine()
        let (dataset, source) = try InferenceInputs.dataset(data, loaded: loaded, note: progress.message)
        let resolved = try ResolvedRule.resolve(rule, loaded: loaded, store: store, batchSize: batchSize)
        progress.message(
            "bench-exit: \(dataset.count) images of \(source), batch \(batchSize), \(repetitions) pass(es) per mode...")
        let result = try ExitBenchmark.run(
            model: loaded.model, dataset: dataset, normalization: loaded.settings.normalization,
            batchSize: batchSize, policy: rule.policy, thresholds: resolved.thresholds,
            repetitions: repetitions)
        let K = loaded.model.exitCount
        let last = Double(loaded.cumulativeFlops[K - 1])
        var object: [String: Any] = [
            "batchSize": result.batchSize, "flopsRatio": result.flopsRatio, "timeRatio": result.timeRatio,
            "allExitsImagesPerSecond": result.allExitsImagesPerSecond,
            "earlyExitImagesPerSecond": result.earlyExitImagesPerSecond,
            "agreesWithSimulation": result.agreesWithSimulation, "executedFlopsRatio": result.executedFlopsRatio,
            "disagreements": result.disagreements, "disagreementsAtThresholds": result.disagreementsAtThresholds,
            "accuracy": result.accuracy, "images": dataset.count, "policy": rule.policy.rawValue,
            "thresholds": thresholdsJSON(resolved.thresholds, exitCount: K), "lastExitFlops": last,
            "run": loaded.runID, "checkpoint": loaded.checkpointPath, "threads": EngineThreads.count,
            "blasCore": EngineThreads.blasCoreName,
        ]
        if let budget = resolved.budgetFlops { object["budget"] = budget }
        if let profile = result.latencyProfile {
            object["latencyProfile"] = [
                "exitMs": profile.exitSeconds.map { $0 * 1000 }, "segmentMs": profile.segmentSeconds.map { $0 * 1000 },
                "quantile": profile.quantile, "images": profile.images,
            ]
        }
        let stored = try store.addExitBenchmark(
            ExitBenchmarkRecord(
                runID: loaded.runID, policy: rule.policy.rawValue, host: ProcessInfo.processInfo.hostName,
                threads: EngineThreads.count, batchSize: batchSize,
                resultJSON: String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            ))
        if json {
            object["storedAs"] = stored
            try printJSONObject(object)
            return
        }
        print("run \(loaded.runID), checkpoint \(loaded.checkpointPath)")
        print(
            "\(dataset.count) images of \(source), batch \(batchSize), \(EngineThreads.count) thread(s), BLAS \(EngineThreads.blasCoreName)"
        )
        var rule =
            "policy \(self.rule.policy), thresholds per exit \(resolved.thresholds.text(exitCount: K))"
        if let budget = resolved.budgetFlops {
            rule += String(format: " (budget %.3f MFLOPs, solved on %@)", budget / 1e6, resolved.source)
        }
        print(rule)
        print("mode         images/s  ms/image  rel. FLOPs  rel. time")
        print(
            String(
                format: "all exits    %8.1f  %8.3f  %10.3f  %9.3f", result.allExitsImagesPerSecond,
                1000 / result.allExitsImagesPerSecond, 1.0, 1.0))
        print(
            String(
                format: "early exit   %8.1f  %8.3f  %10.3f  %9.3f", result.earlyExitImagesPerSecond,
                1000 / result.earlyExitImagesPerSecond, result.flopsRatio, result.timeRatio))
        print(
            String(
                format:
                    "FLOPs ratio %.3f (executed, counted: %.3f), time ratio %.3f = %.2fx the FLOPs ratio; accuracy %.2f%%",
                result.flopsRatio, result.executedFlopsRatio, result.timeRatio, result.timeRatio / result.flopsRatio,
                result.accuracy * 100))
        print(
            result.agreesWithSimulation
                ? "agrees with the simulation on every image"
                : "DISAGREES with the simulation on \(result.disagreements) image(s) (\(result.disagreementsAtThresholds) within 1e-5 of a threshold)"
        )
        if let profile = result.latencyProfile {
            print(
                "latency to each exit, one image at a time (p\(Int(profile.quantile * 100)) of \(profile.images), ms): "
                    + profile.exitSeconds.map { String(format: "%.3f", $0 * 1000) }.joined(separator: " "))
        }
        print("stored as exit benchmark \(stored) of run \(loaded.runID)")
    }
}
