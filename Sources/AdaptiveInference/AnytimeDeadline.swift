import AdaptiveNets
import Datasets
import ExitPolicies
import NeuralEngine

/// How long real early exit takes to reach each exit for one image (batch 1) on this machine.
public struct LatencyProfile: Codable, Sendable, Equatable {
    /// The quantile of the measured times kept per segment: deadlines are planned on slow cases, not typical ones.
    public static let defaultQuantile = 0.99
    /// Images timed (after warm-up) when measuring: enough for a 0.99 quantile to be the second largest time.
    public static let defaultImages = 100
    /// Untimed images first (caches, allocations, OpenBLAS threads).
    static let warmUpImages = 5

    /// Seconds each exit's segment takes (exit 0's includes the stem and the input), at `quantile`.
    public var segmentSeconds: [Double]
    /// Seconds from an image's start to each exit's answer: running sums of `segmentSeconds`.
    public var exitSeconds: [Double]
    /// The quantile kept.
    public var quantile: Double
    /// Images timed.
    public var images: Int

    /// Creates a profile from per-segment times (`exitSeconds` are their running sums).
    public init(segmentSeconds: [Double], quantile: Double, images: Int) {
        self.segmentSeconds = segmentSeconds
        var total = 0.0
        exitSeconds = segmentSeconds.map { seconds in
            total += seconds
            return total
        }
        self.quantile = quantile
        self.images = images
    }

    /// Times every segment of `model` on `images` (batch 1 each, every exit computed), cycling through them until
    /// `count` images were timed after a short warm-up, and keeps each segment's `quantile`.
    public static func measure(
        model: any EarlyExitNetwork, images: [Tensor], count: Int = defaultImages, quantile: Double = defaultQuantile
    ) throws -> LatencyProfile {
        guard !images.isEmpty, count >= 1, (0...1).contains(quantile) else {
            throw InferenceError.invalidArgument(
                "latency profile: \(images.count) image(s), \(count) timed and quantile \(quantile): need at least one "
                    + "image, one timing and a quantile in [0, 1]")
        }
        if let bad = images.first(where: { $0.rank < 1 || $0.shape[0] != 1 }) {
            throw InferenceError.invalidArgument(
                "latency profile: images are timed one by one, got a batch \(bad.shape)")
        }
        let executor = try EarlyExitExecutor(
            model: model, policy: .maxProb,
            thresholds: .perExit([Float?](repeating: nil, count: max(model.exitCount - 1, 0))))
        let clock = ContinuousClock()
        var times = [[Double]](repeating: [], count: model.exitCount)
        for index in 0..<(warmUpImages + count) {
            var marks: [ContinuousClock.Instant] = [clock.now]
            _ = try executor.run(images[index % images.count], thresholds: executor.thresholds) { _ in
                marks.append(clock.now)
                return true
            }
            marks.append(clock.now)
            guard index >= warmUpImages else { continue }
            for exit in 0..<model.exitCount { times[exit].append((marks[exit + 1] - marks[exit]).seconds) }
        }
        return LatencyProfile(
            segmentSeconds: times.map { Self.quantile($0, quantile) }, quantile: quantile, images: count)
    }

    /// The `q` quantile of `values` (nearest rank).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * q).rounded(.up)) - 1))]
    }
}

/// One image answered under a deadline.
public struct DeadlineAnswer: Sendable, Equatable {
    /// The deepest exit finished in time (or exit 0 when even it could not be).
    public var exit: Int
    /// Statistics at that exit: class and confidence.
    public var statistics: SampleExitStatistics
    /// Seconds from the image's start to its answer.
    public var latency: Double
    /// Whether the answer came after the deadline.
    public var missed: Bool
}

/// Anytime prediction with a wall-clock deadline (batch 1): exits run in order and each image is answered by the
/// deepest exit finished before its deadline. A segment starts only when the latency profile says it finishes in
/// time; with a confidence rule as well, a confident exit ends the image earlier. Exit 0 always runs, so a deadline
/// below its latency is answered by it and counted as a miss.
public final class DeadlineInference {
    /// The executor (its thresholds: the confidence rule; all nil for none).
    public let executor: EarlyExitExecutor
    /// Per-segment latency the plan relies on.
    public let profile: LatencyProfile

    /// Creates the runner; a profile of another exit count than the model's is refused.
    public init(executor: EarlyExitExecutor, profile: LatencyProfile) throws {
        guard profile.segmentSeconds.count == executor.model.exitCount else {
            throw InferenceError.invalidArgument(
                "latency profile of \(profile.segmentSeconds.count) exits for a model of \(executor.model.exitCount)")
        }
        self.executor = executor
        self.profile = profile
    }

    /// Answers one image (a batch of 1) within `deadline` seconds of the call.
    public func answer(_ image: Tensor, deadline: Double) throws -> DeadlineAnswer {
        guard image.rank >= 1, image.shape[0] == 1 else {
            throw InferenceError.invalidArgument("deadline inference takes one image at a time, got \(image.shape)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try executor.run(image, thresholds: executor.thresholds) { exit in
            (clock.now - start).seconds + self.profile.segmentSeconds[exit] <= deadline
        }
        let latency = (clock.now - start).seconds
        return DeadlineAnswer(
            exit: result.exitIndex[0], statistics: result.statistics[0], latency: latency, missed: latency > deadline)
    }

    /// Answers every image of `dataset` in file order, each with its own `deadline` seconds; `progress(done, total)`
    /// after each. Images of another shape than the model's are refused.
    public func run(
        dataset: Dataset, normalization: Normalization, deadline: Double, progress: ((Int, Int) -> Void)? = nil
    ) throws -> DeadlineRun {
        try InputCheck.check(dataset, fits: executor.model, context: "deadline inference")
        let images = try ExitBenchmark.assemble(dataset, normalization: normalization, batchSize: 1)
        var answers: [DeadlineAnswer] = []
        answers.reserveCapacity(images.count)
        for image in images {
            answers.append(try answer(image, deadline: deadline))
            progress?(answers.count, images.count)
        }
        return DeadlineRun(answers: answers, labels: dataset.labels, deadline: deadline)
    }
}

/// Every image's answer under a deadline and the totals `ranet infer --deadline-ms` reports.
public struct DeadlineRun: Sendable {
    /// Answers in file order.
    public let answers: [DeadlineAnswer]
    /// True class of each image.
    public let labels: [Int32]
    /// The per-image deadline, in seconds.
    public let deadline: Double

    /// Fraction answered right, in [0, 1].
    public var accuracy: Double {
        Double(zip(answers, labels).filter { $0.0.statistics.predicted == $0.1 }.count) / Double(max(answers.count, 1))
    }
    /// Images answered after their deadline.
    public var misses: Int { answers.filter(\.missed).count }
    /// Mean latency, seconds.
    public var meanLatency: Double { answers.map(\.latency).reduce(0, +) / Double(max(answers.count, 1)) }
    /// 99th percentile latency (nearest rank), seconds.
    public var p99Latency: Double { LatencyProfile.quantile(answers.map(\.latency), 0.99) }
    /// Images answered at each of `exitCount` exits.
    public func exitCounts(exitCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: exitCount)
        for answer in answers where answer.exit < exitCount { counts[answer.exit] += 1 }
        return counts
    }
}
