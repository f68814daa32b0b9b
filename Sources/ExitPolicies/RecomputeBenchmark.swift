import Foundation
import SeededRandom

/// Measures how long the dashboard's threshold slider takes to recompute (not a test: a figure to report).
public enum RecomputeBenchmark {
    /// Timing of repeated simulations on synthetic outputs.
    public struct Timing: Sendable, Hashable {
        /// Fastest single recompute.
        public var best: Duration
        /// Median recompute.
        public var median: Duration
        /// Number of timed recomputes.
        public var repetitions: Int
    }

    /// Times `repetitions` recomputes (simulate into one reused result, a different threshold each time)
    /// of `sampleCount` x `exitCount` synthetic outputs.
    public static func measure(
        sampleCount: Int = 50_000, exitCount: Int = 8, classCount: Int = 10,
        repetitions: Int = 21
    ) throws(ExitPolicyError) -> Timing {
        let outputs = try syntheticOutputs(
            sampleCount: sampleCount, exitCount: exitCount,
            classCount: classCount, seed: 42)
        let flops = (1...exitCount).map { Int64($0) * 1_000_000 }
        var result = ExitSimulation()
        var durations: [Duration] = []
        let clock = ContinuousClock()
        for repetition in 0..<max(repetitions, 1) {
            let threshold = Float(repetition % 10) / 10
            let start = clock.now
            try outputs.simulate(
                policy: .maxProb, thresholds: .global(threshold), cumulativeFlops: flops,
                into: &result)
            durations.append(clock.now - start)
        }
        durations.sort()
        return Timing(best: durations[0], median: durations[durations.count / 2], repetitions: durations.count)
    }

    /// Random but plausible statistics: confidence grows with depth, correctness follows confidence.
    static func syntheticOutputs(
        sampleCount: Int, exitCount: Int, classCount: Int,
        seed: UInt64
    ) throws(ExitPolicyError) -> ExitOutputs {
        var random = SplitMix64(seed: seed)
        let labels = (0..<sampleCount).map { _ in Int32(random.next() % UInt64(classCount)) }
        let count = exitCount * sampleCount
        var maxProb = [Float](repeating: 0, count: count)
        var predicted = [Int32](repeating: 0, count: count)
        for index in 0..<count {
            let depth = Float(index / sampleCount + 1) / Float(exitCount)
            let floor = 1 / Float(classCount)
            maxProb[index] = floor + (1 - floor) * min(1, random.unitFloat() * depth * 1.5)
            let right = random.unitFloat() < maxProb[index]
            predicted[index] =
                right
                ? labels[index % sampleCount]
                : Int32(random.next() % UInt64(classCount))
        }
        let entropy = maxProb.map { -$0 * log($0) }
        let margin = maxProb.map { $0 * 0.8 }
        return try ExitOutputs(
            exitCount: exitCount, sampleCount: sampleCount, classCount: classCount,
            labels: labels, maxProb: maxProb, entropy: entropy, margin: margin,
            predicted: predicted)
    }
}
