/// Accuracy, average cost and exit shares of one policy setting: one point of a budget curve.
public struct OperatingPoint: Sendable, Hashable {
    /// Fraction of samples whose prediction at their exit is right, in [0, 1].
    public var accuracy: Double
    /// Expected FLOPs per sample: sum_k share_k * F_k.
    public var expectedFlops: Double
    /// Fraction of samples leaving at each exit (sums to 1).
    public var exitShares: [Double]
    /// Last exit's FLOPs divided by `expectedFlops` (how much cheaper than always running everything).
    public var speedUp: Double

    /// Creates an operating point.
    public init(accuracy: Double, expectedFlops: Double, exitShares: [Double], speedUp: Double) {
        self.accuracy = accuracy
        self.expectedFlops = expectedFlops
        self.exitShares = exitShares
        self.speedUp = speedUp
    }
}

/// The result of applying a policy to every sample of a split, reusable as scratch: simulate into the
/// same value again and its arrays keep their storage, so a slider can recompute without reallocating.
public struct ExitSimulation: Sendable, Hashable {
    /// Exit each sample leaves at (N).
    public private(set) var exitIndex: [Int] = []
    /// Whether each sample's prediction at its exit is right (N).
    public private(set) var isCorrect: [Bool] = []
    /// Number of samples leaving at each exit (K): the exit histogram.
    public private(set) var exitCounts: [Int] = []
    /// Number of right predictions among the samples leaving at each exit (K).
    public private(set) var correctCounts: [Int] = []
    /// Fraction right over all samples, in [0, 1].
    public private(set) var accuracy: Double = 0
    /// Expected FLOPs per sample: sum_k share_k * F_k.
    public private(set) var expectedFlops: Double = 0
    /// Last exit's FLOPs divided by `expectedFlops`.
    public private(set) var speedUp: Double = 0

    /// An empty result to simulate into.
    public init() {}

    /// Fraction of samples leaving at each exit.
    public var exitShares: [Double] {
        let total = exitCounts.reduce(0, +)
        return exitCounts.map { total == 0 ? 0 : Double($0) / Double(total) }
    }

    /// The summary numbers of this result.
    public var operatingPoint: OperatingPoint {
        OperatingPoint(accuracy: accuracy, expectedFlops: expectedFlops, exitShares: exitShares, speedUp: speedUp)
    }

    /// Resizes the arrays for `samples` x `exits`, keeping their storage when the size is unchanged.
    private mutating func prepare(samples: Int, exits: Int) {
        if exitIndex.count != samples {
            exitIndex = [Int](repeating: 0, count: samples)
            isCorrect = [Bool](repeating: false, count: samples)
        }
        if exitCounts.count != exits {
            exitCounts = [Int](repeating: 0, count: exits)
            correctCounts = exitCounts
        } else {
            for k in 0..<exits {
                exitCounts[k] = 0
                correctCounts[k] = 0
            }
        }
    }

    /// Single pass over samples: each leaves at the first exit whose confidence >= its cutoff.
    mutating func run(outputs: ExitOutputs, confidences: [Float], cutoffs: [Float], flops: [Int64]) {
        let n = outputs.sampleCount
        let k = outputs.exitCount
        prepare(samples: n, exits: k)
        let last = k - 1
        // Raw pointers: this loop runs at every key press on 50k x 8 values, also in debug builds.
        confidences.withUnsafeBufferPointer { confidenceBuffer in
            outputs.correct.withUnsafeBufferPointer { correctBuffer in
                cutoffs.withUnsafeBufferPointer { cutoffBuffer in
                    exitIndex.withUnsafeMutableBufferPointer { exitBuffer in
                        isCorrect.withUnsafeMutableBufferPointer { hitBuffer in
                            exitCounts.withUnsafeMutableBufferPointer { countBuffer in
                                correctCounts.withUnsafeMutableBufferPointer { rightBuffer in
                                    let conf = confidenceBuffer.baseAddress!
                                    let ok = correctBuffer.baseAddress!
                                    let cut = cutoffBuffer.baseAddress!
                                    let exits = exitBuffer.baseAddress!
                                    let hits = hitBuffer.baseAddress!
                                    let counts = countBuffer.baseAddress!
                                    let rights = rightBuffer.baseAddress!
                                    for i in 0..<n {
                                        var exit = 0
                                        var offset = i
                                        while exit < last && conf[offset] < cut[exit] {
                                            exit += 1
                                            offset += n
                                        }
                                        let hit = ok[offset]
                                        exits[i] = exit
                                        hits[i] = hit
                                        counts[exit] += 1
                                        if hit { rights[exit] += 1 }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        summarise(flops: flops, samples: n)
    }

    private mutating func summarise(flops: [Int64], samples: Int) {
        var right = 0
        var cost = 0.0
        for exit in 0..<exitCounts.count {
            right += correctCounts[exit]
            cost += Double(exitCounts[exit]) * Double(flops[exit])
        }
        accuracy = Double(right) / Double(samples)
        expectedFlops = cost / Double(samples)
        speedUp = Double(flops[flops.count - 1]) / expectedFlops
    }
}

extension ExitOutputs {
    /// Applies a policy and thresholds to every sample into a reusable result (no allocation once sized).
    /// `cumulativeFlops[k]` is the cost of running the network up to and including exit k.
    public func simulate(
        policy: ExitPolicy, thresholds: Thresholds, cumulativeFlops: [Int64],
        into result: inout ExitSimulation
    ) throws(ExitPolicyError) {
        try thresholds.validate(policy: policy, exitCount: exitCount, classCount: classCount)
        try validate(cumulativeFlops: cumulativeFlops)
        let confidences = try confidences(for: policy)
        result.run(
            outputs: self, confidences: confidences,
            cutoffs: thresholds.cutoffs(policy: policy, exitCount: exitCount), flops: cumulativeFlops)
    }

    /// Applies a policy and thresholds to every sample and returns a fresh result.
    public func simulate(
        policy: ExitPolicy, thresholds: Thresholds,
        cumulativeFlops: [Int64]
    ) throws(ExitPolicyError) -> ExitSimulation {
        var result = ExitSimulation()
        try simulate(policy: policy, thresholds: thresholds, cumulativeFlops: cumulativeFlops, into: &result)
        return result
    }

    /// Throws unless there is one positive, non-decreasing cumulative FLOPs value per exit.
    public func validate(cumulativeFlops: [Int64]) throws(ExitPolicyError) {
        guard cumulativeFlops.count == exitCount else {
            throw .invalidFlops("\(cumulativeFlops.count) values given for \(exitCount) exits")
        }
        for (exit, value) in cumulativeFlops.enumerated() {
            guard value > 0 else { throw .invalidFlops("exit \(exit) has \(value) FLOPs, must be positive") }
            if exit > 0, value < cumulativeFlops[exit - 1] {
                throw .invalidFlops(
                    "exit \(exit) has \(value) FLOPs, fewer than exit \(exit - 1) "
                        + "(\(cumulativeFlops[exit - 1])); values must be cumulative")
            }
        }
    }
}
