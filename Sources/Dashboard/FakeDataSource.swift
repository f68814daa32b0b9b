import ExperimentRecords
import Foundation
import SeededRandom

/// Deterministic in-memory data for tests, snapshots and running the dashboard without a store.
public struct FakeDataSource: DashboardDataSource {
    public let data: DashboardData
    /// The token returned by `changeToken()`.
    public let token: Int64

    /// Wraps fixed data.
    public init(data: DashboardData, token: Int64 = 1) {
        self.data = data
        self.token = token
    }

    /// The standard fake: three runs (two evaluated, one live) with `sampleCount` samples.
    public init(sampleCount: Int = 120) {
        self.init(data: FakeDataSource.standardData(sampleCount: sampleCount))
    }

    /// Returns `token`.
    public func changeToken() throws -> Int64 { token }

    /// Returns all runs and the requested details.
    public func snapshot(detailsFor runs: Set<Int64>) throws -> DashboardData {
        var copy = data
        copy.details = data.details.filter { runs.contains($0.key) }
        return copy
    }

    /// Builds the standard fake data set.
    public static func standardData(sampleCount: Int = 120) -> DashboardData {
        let ranet = summary(
            RunRecord(
                id: 1, name: "fmnist-ranet", architecture: "RANet", dataset: "fashion-mnist", status: .finished,
                createdAt: fixedDate, epochsPlanned: 6, epochsDone: 6),
            bestAccuracy: 0.912, flops: 9_600_000)
        let msdnet = summary(
            RunRecord(
                id: 2, name: "fmnist-msdnet", architecture: "MSDNet", dataset: "fashion-mnist", status: .finished,
                createdAt: fixedDate, epochsPlanned: 6, epochsDone: 6),
            bestAccuracy: 0.904, flops: 12_800_000)
        let live = summary(
            RunRecord(
                id: 3, name: "cifar10-ranet-live", architecture: "RANet", dataset: "cifar10", status: .running,
                createdAt: fixedDate, epochsPlanned: 10, epochsDone: 2),
            bestAccuracy: 0.583, flops: 31_500_000)
        let ranetExits = [
            (0, 7, 1.2, 0.78), (0, 7, 2.1, 0.83), (1, 14, 4.0, 0.87), (1, 14, 5.6, 0.89),
            (2, 28, 8.1, 0.905), (2, 28, 9.6, 0.912),
        ]
        .map { ExitInfo(subnetwork: $0.0, resolution: $0.1, cumulativeMFLOPs: $0.2, accuracy: $0.3) }
        let msdExits = [(0, 28, 2.2, 0.80), (1, 28, 5.1, 0.86), (2, 28, 8.7, 0.893), (3, 28, 12.8, 0.904)]
            .map { ExitInfo(subnetwork: $0.0, resolution: $0.1, cumulativeMFLOPs: $0.2, accuracy: $0.3) }
        let details: [Int64: RunDetail] = [
            1: makeDetail(ranet, exits: ranetExits, steps: 1_800, seed: 11, sampleCount: sampleCount, live: false),
            2: makeDetail(msdnet, exits: msdExits, steps: 1_800, seed: 23, sampleCount: sampleCount, live: false),
            3: makeDetail(live, exits: [], steps: 700, seed: 37, sampleCount: 0, live: true),
        ]
        return DashboardData(runs: [ranet, msdnet, live], details: details, sourceDescription: "fake data")
    }

    /// Fake runs are all created at the same instant, so two snapshots of the fake data compare equal.
    static let fixedDate = Date(timeIntervalSince1970: 0)

    static func summary(_ run: RunRecord, bestAccuracy: Float, flops: Int64) -> RunSummary {
        RunSummary(run: run, bestLastExitAccuracy: bestAccuracy, lastExitFLOPs: flops, stepCount: 0)
    }

    static func makeDetail(
        _ run: RunSummary, exits: [ExitInfo], steps: Int, seed: UInt64,
        sampleCount: Int, live: Bool
    ) -> RunDetail {
        var random = SplitMix64(seed: seed)
        let exitCount = exits.isEmpty ? 5 : exits.count
        let series = (0..<exitCount).map { exit in
            let stepIndices = Array(stride(from: 0, to: steps, by: 10))
            let losses = stepIndices.map { step -> Double in
                let base = 2.3 * exp(-Double(step) / (300 + 60 * Double(exit))) + 0.25 + 0.35 / Double(exit + 1)
                let spike = step % 530 == 0 && step > 0 ? 0.9 : 0
                return base + 0.12 * (random.unit() - 0.5) + spike
            }
            return StepSeries(
                exit: exit, steps: stepIndices, losses: losses, wallTimes: stepIndices.map { Double($0) * 0.6 })
        }
        let epochs = (1...max(1, run.epochsDone)).map { epoch -> EpochMetric in
            let losses: [Double] = (0..<exitCount).map { 1.4 / Double(epoch) + 0.3 / Double($0 + 1) }
            let accuracies: [Double] = (0..<exitCount).map { exit in
                min(0.95, 0.45 + 0.07 * Double(epoch) + 0.03 * Double(exit))
            }
            return EpochMetric(
                runID: run.id, epoch: epoch - 1, validationLoss: losses.map(Float.init),
                validationAccuracy: accuracies.map(Float.init))
        }
        let progress =
            live
            ? TrainingProgress(
                epoch: 3, epochs: 10, stepInEpoch: 112, stepsPerEpoch: 293,
                learningRate: 0.05, imagesPerSecond: 842.5, etaSeconds: 2_710) : nil
        let budget =
            exits.isEmpty
            ? []
            : (1...8).map { index -> BudgetPoint in
                let fraction = Double(index) / 8
                let first = exits[0]
                let last = exits[exits.count - 1]
                let flops = first.cumulativeMFLOPs + (last.cumulativeMFLOPs - first.cumulativeMFLOPs) * fraction * 0.8
                return BudgetPoint(
                    parameter: fraction, thresholds: [], expectedFLOPs: flops * 1e6,
                    accuracy: first.accuracy + (last.accuracy - first.accuracy)
                        * (1 - pow(1 - fraction, 3)))
            }
        let samples = (0..<sampleCount).map { makeSample(index: $0, exitCount: exitCount, random: &random) }
        return RunDetail(
            run: run, lossSeries: series, epochs: epochs, progress: progress, exits: exits,
            budgetCurve: budget, samples: samples, classNames: ClassLabels.fashionMNIST)
    }

    static func makeSample(index: Int, exitCount: Int, random: inout SplitMix64, withImage: Bool = true) -> SampleRecord
    {
        let label = index % 10
        let difficulty = random.unit()
        var confidence: [Float] = []
        var predicted: [Int] = []
        var entropy: [Float] = []
        var margin: [Float] = []
        for exit in 0..<exitCount {
            let depth = Double(exit + 1) / Double(exitCount)
            let value = min(0.995, max(0.12, 0.35 + 0.6 * depth - 0.55 * difficulty + 0.1 * random.unit()))
            confidence.append(Float(value))
            let correct = random.unit() < 0.55 + 0.45 * value
            predicted.append(correct ? label : (label + 1 + exit % 3) % 10)
            entropy.append(Float(-value * log(value) - (1 - value) * log((1 - value) / 9)))
            margin.append(Float(max(0, value - (1 - value) * 0.6)))
        }
        return SampleRecord(
            sampleIndex: index, label: Int32(label), maxProb: confidence, entropy: entropy, margin: margin,
            predicted: predicted.map(Int32.init),
            image: withImage ? makeImage(label: label, seed: index) : nil)
    }

    /// A 28x28 grey image whose shape depends on the class, so drill-down snapshots show something.
    static func makeImage(label: Int, seed: Int) -> SampleImage {
        var pixels = [UInt8](repeating: 0, count: 28 * 28)
        for y in 0..<28 {
            for x in 0..<28 {
                let dx = Double(x) - 13.5
                let dy = Double(y) - 13.5
                let radius = 6 + Double(label % 5) * 1.5
                let inside =
                    (label % 2 == 0)
                    ? (dx * dx + dy * dy < radius * radius)
                    : (abs(dx) < radius * 0.6 && abs(dy) < radius)
                pixels[y * 28 + x] = inside ? UInt8(120 + (x * 4 + y * 2 + seed) % 120) : 0
            }
        }
        return SampleImage(channels: 1, height: 28, width: 28, pixels: pixels)
    }
}
