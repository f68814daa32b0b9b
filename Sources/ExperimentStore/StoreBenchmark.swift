import ExperimentRecords
import Foundation
import SeededRandom

/// Insert and load rates of the store, measured on a throw-away run (`ranet store-bench`).
public struct StoreBenchmarkResult: Sendable, Equatable {
    /// Step-metric rows per second when the trainer logs in batches of `stepBatchSize`.
    public var batchedStepRowsPerSecond: Double
    /// Rows per transaction in the batched step phase.
    public var stepBatchSize: Int
    /// Step-metric rows per second with one transaction per row (worst case: one commit per logged step).
    public var singleStepRowsPerSecond: Double
    /// Per-sample rows per second for one evaluation of `sampleCount` samples x `exitCount` exits, with images.
    public var sampleRowsPerSecond: Double
    /// Samples written in the per-sample phase.
    public var sampleCount: Int
    /// Exits per sample.
    public var exitCount: Int
    /// Seconds to load that evaluation back as a `SampleTable`.
    public var sampleTableLoadSeconds: Double
    /// Seconds to delete the benchmark run with all its rows.
    public var deleteSeconds: Double

    /// Human-readable report, one figure per line.
    public var report: String {
        """
        step metrics, batches of \(stepBatchSize): \(Int(batchedStepRowsPerSecond)) rows/s
        step metrics, one commit per row: \(Int(singleStepRowsPerSecond)) rows/s
        samples (\(sampleCount) x \(exitCount) exits, 28x28 image each): \(Int(sampleRowsPerSecond)) rows/s
        load SampleTable of \(sampleCount) samples: \(String(format: "%.1f", sampleTableLoadSeconds * 1000)) ms
        delete run with all rows: \(String(format: "%.1f", deleteSeconds * 1000)) ms
        """
    }
}

/// The insert-rate benchmark (not a test: figures depend on the machine and its disk).
public enum StoreBenchmark {
    /// Writes a run named "store-bench" with synthetic metrics and samples, times each phase, then deletes it.
    public static func run(
        store: ExperimentStore, steps: Int = 20_000, stepBatchSize: Int = 100, singleCommits: Int = 500,
        sampleCount: Int = 10_000, exitCount: Int = 8
    ) throws -> StoreBenchmarkResult {
        let runID = try store.createRun(RunRecord(name: "store-bench", architecture: "RANet", dataset: "synthetic"))
        var generator = SplitMix64(seed: 42)
        let batched = try seconds {
            for start in stride(from: 0, to: steps, by: stepBatchSize) {
                let batch = (start..<min(start + stepBatchSize, steps)).map {
                    syntheticStep(runID: runID, step: $0, exits: exitCount, generator: &generator)
                }
                try store.appendStepMetrics(batch)
            }
        }
        let single = try seconds {
            for step in steps..<(steps + singleCommits) {
                let metric = syntheticStep(runID: runID, step: step, exits: exitCount, generator: &generator)
                try store.appendStepMetrics([metric])
            }
        }
        let evaluationID = try store.addEvaluation(
            EvaluationRecord(
                runID: runID, checkpointPath: "bench.safetensors", split: "test",
                exitFLOPs: (1...exitCount).map { Int64($0) * 1_000_000 },
                exitParams: (1...exitCount).map { Int64($0) * 1000 },
                exitAccuracy: [Float](repeating: 0.5, count: exitCount)))
        let samples = (0..<sampleCount).map { syntheticSample(index: $0, exits: exitCount, generator: &generator) }
        let sampleSeconds = try seconds { try store.appendSamples(evaluationID: evaluationID, samples) }
        let loadSeconds = try seconds { _ = try store.sampleTable(evaluationID: evaluationID) }
        let deleteSeconds = try seconds { try store.deleteRun(id: runID) }
        return StoreBenchmarkResult(
            batchedStepRowsPerSecond: Double(steps) / batched, stepBatchSize: stepBatchSize,
            singleStepRowsPerSecond: Double(singleCommits) / single,
            sampleRowsPerSecond: Double(sampleCount) / sampleSeconds, sampleCount: sampleCount, exitCount: exitCount,
            sampleTableLoadSeconds: loadSeconds, deleteSeconds: deleteSeconds)
    }

    private static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-9)
    }

    private static func syntheticStep(runID: Int64, step: Int, exits: Int, generator: inout SplitMix64) -> StepMetric {
        let losses = (0..<exits).map { _ in Float(generator.unit()) * 2 }
        return StepMetric(
            runID: runID, step: step, epoch: step / 1000, exitLosses: losses, totalLoss: losses.reduce(0, +),
            learningRate: 0.1, imagesPerSecond: 500, wallTime: Double(step) * 0.1)
    }

    private static func syntheticSample(index: Int, exits: Int, generator: inout SplitMix64) -> SampleRecord {
        SampleRecord(
            sampleIndex: index, label: Int32(index % 10),
            maxProb: (0..<exits).map { _ in Float(generator.unit()) },
            entropy: (0..<exits).map { _ in Float(generator.unit()) * 2.3 },
            margin: (0..<exits).map { _ in Float(generator.unit()) },
            predicted: (0..<exits).map { _ in Int32(generator.next() % 10) },
            image: SampleImage(
                channels: 1, height: 28, width: 28,
                pixels: (0..<784).map { UInt8(truncatingIfNeeded: $0 &+ index) }))
    }
}
