import Foundation

/// One point of a budgeted-batch curve: the parameter, the thresholds found on validation, and how they do.
public struct BudgetCurvePoint: Sendable, Hashable {
    /// The geometric ratio p of the target exit shares (0 and +infinity are the all-first / all-last limits).
    public var p: Double
    /// Thresholds in the policy's units, one per exit but the last; `nil` = nobody exits there.
    public var thresholds: Thresholds
    /// The thresholds applied to the validation split they were found on.
    public var validation: OperatingPoint
    /// The thresholds applied to the test split (the reported numbers).
    public var test: OperatingPoint

    /// Creates a point.
    public init(p: Double, thresholds: Thresholds, validation: OperatingPoint, test: OperatingPoint) {
        self.p = p
        self.thresholds = thresholds
        self.validation = validation
        self.test = test
    }
}

/// A budgeted-batch curve: one point per p.
public struct BudgetedBatchCurve: Sendable, Hashable {
    /// The policy whose confidence ranks the samples.
    public var policy: ExitPolicy
    /// The points, in the order of the p values asked for.
    public var points: [BudgetCurvePoint]

    /// Creates a curve.
    public init(policy: ExitPolicy, points: [BudgetCurvePoint]) {
        self.policy = policy
        self.points = points
    }
}

/// Budgeted batch classification exactly as RANET.md section 8 (MSDNet's `dynamic_evaluate`).
///
/// For a ratio p, the target exit shares are q_k proportional to p^k (k = 1..K). On the validation outputs,
/// for each exit k < K in order: among the samples that have not exited yet, sorted by confidence at exit k
/// descending, the cutoff T_k is the confidence of the floor(N * q_k)-th of them (1-based; N = all validation
/// samples, not the remaining ones, so each target is a count of samples taken from the remaining ones, as the
/// reference does). When that count is 0, or fewer samples remain than it, nobody exits at k (the reference's
/// 1e8 threshold; here `nil`). Every remaining sample with confidence >= T_k then counts as exited, so ties can
/// make more than the target leave. The last exit takes everything left. The thresholds are then applied to the
/// test outputs (first exit whose confidence >= T_k), giving accuracy and expected FLOPs = sum_k share_k * F_k.
///
/// Counts are computed in Double as floor(N * p^k / sum_j p^j + 1e-9): the tiny guard keeps products that are
/// mathematically integers (e.g. N/K at p = 1) from rounding down by one.
public struct BudgetedBatch: Sendable {
    /// The reference's ratios: 1/20, 2/20, ..., 39/20.
    public static let referencePValues: [Double] = (1...39).map { Double($0) / 20 }

    /// The policy whose confidence ranks the samples.
    public let policy: ExitPolicy
    /// Outputs the thresholds are searched on.
    public let validation: ExitOutputs
    /// Outputs the thresholds are reported on.
    public let test: ExitOutputs
    /// Cumulative FLOPs up to and including each exit.
    public let cumulativeFlops: [Int64]

    let validationConfidence: [Float]
    let testConfidence: [Float]
    /// Per exit k < K, validation sample indices sorted by confidence at k descending (ties: lower index first).
    let order: [Int32]

    /// Prepares the search: checks that both splits fit the FLOPs and each other, and sorts validation once.
    public init(
        validation: ExitOutputs, test: ExitOutputs, policy: ExitPolicy,
        cumulativeFlops: [Int64]
    ) throws(ExitPolicyError) {
        guard validation.exitCount == test.exitCount, validation.classCount == test.classCount else {
            throw .splitMismatch(
                "validation has \(validation.exitCount) exits and \(validation.classCount) "
                    + "classes, test has \(test.exitCount) exits and \(test.classCount) classes")
        }
        try validation.validate(cumulativeFlops: cumulativeFlops)
        self.policy = policy
        self.validation = validation
        self.test = test
        self.cumulativeFlops = cumulativeFlops
        validationConfidence = try validation.confidences(for: policy)
        testConfidence = try test.confidences(for: policy)
        order = Self.sortedOrder(
            validationConfidence, exits: validation.exitCount - 1,
            samples: validation.sampleCount)
    }

    /// Target exit shares q_k proportional to p^k, k = 1..K (p = 0: all at the first, +infinity: all at the last).
    public static func targetShares(p: Double, exitCount: Int) throws(ExitPolicyError) -> [Double] {
        guard p >= 0 else { throw .invalidBudgetParameter(p) }
        if p == 0 { return (0..<exitCount).map { $0 == 0 ? 1 : 0 } }
        if p == .infinity { return (0..<exitCount).map { $0 == exitCount - 1 ? 1 : 0 } }
        // Log space, shifted by the largest exponent, so large K or extreme p cannot overflow.
        let logs = (1...exitCount).map { Double($0) * log(p) }
        let top = logs.max()!
        let weights = logs.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// Target exit counts floor(N * q_k) of a validation split of `sampleCount` samples.
    public static func targetCounts(p: Double, exitCount: Int, sampleCount: Int) throws(ExitPolicyError) -> [Int] {
        try targetShares(p: p, exitCount: exitCount).map { share in
            min(sampleCount, Int((Double(sampleCount) * share + 1e-9).rounded(.down)))
        }
    }

    /// The thresholds the procedure finds on validation for ratio p.
    public func thresholds(p: Double) throws(ExitPolicyError) -> Thresholds {
        Thresholds.fromCutoffs(try cutoffs(p: p), policy: policy)
    }

    /// The full point for ratio p: thresholds from validation, evaluated on validation and on test.
    public func point(p: Double) throws(ExitPolicyError) -> BudgetCurvePoint {
        var scratch = ExitSimulation()
        return try point(p: p, scratch: &scratch)
    }

    /// The curve over the given ratios (default: the reference's 1/20 ... 39/20).
    public func curve(
        pValues: [Double] = BudgetedBatch.referencePValues
    )
        throws(ExitPolicyError) -> BudgetedBatchCurve
    {
        var scratch = ExitSimulation()
        var points: [BudgetCurvePoint] = []
        for p in pValues { points.append(try point(p: p, scratch: &scratch)) }
        return BudgetedBatchCurve(policy: policy, points: points)
    }

    func point(p: Double, scratch: inout ExitSimulation) throws(ExitPolicyError) -> BudgetCurvePoint {
        let cuts = try cutoffs(p: p)
        scratch.run(outputs: validation, confidences: validationConfidence, cutoffs: cuts, flops: cumulativeFlops)
        let onValidation = scratch.operatingPoint
        scratch.run(outputs: test, confidences: testConfidence, cutoffs: cuts, flops: cumulativeFlops)
        return BudgetCurvePoint(
            p: p, thresholds: Thresholds.fromCutoffs(cuts, policy: policy),
            validation: onValidation, test: scratch.operatingPoint)
    }

    /// Confidence cutoffs T_k (K values; +infinity = nobody exits, -infinity at the last exit).
    func cutoffs(p: Double) throws(ExitPolicyError) -> [Float] {
        let n = validation.sampleCount
        let exitCount = validation.exitCount
        let targets = try Self.targetCounts(p: p, exitCount: exitCount, sampleCount: n)
        var cutoffs = [Float](repeating: .infinity, count: exitCount)
        cutoffs[exitCount - 1] = -.infinity
        var exited = [Bool](repeating: false, count: n)
        // Raw pointers: the solver calls this dozens of times per budget, also in debug builds.
        order.withUnsafeBufferPointer { orderBuffer in
            validationConfidence.withUnsafeBufferPointer { confidenceBuffer in
                exited.withUnsafeMutableBufferPointer { exitedBuffer in
                    let done = exitedBuffer.baseAddress!
                    for exit in 0..<(exitCount - 1) {
                        let sorted = orderBuffer.baseAddress! + exit * n
                        let confidence = confidenceBuffer.baseAddress! + exit * n
                        if targets[exit] > 0 {
                            var seen = 0
                            for rank in 0..<n where !done[Int(sorted[rank])] {
                                seen += 1
                                if seen == targets[exit] {
                                    cutoffs[exit] = confidence[Int(sorted[rank])]
                                    break
                                }
                            }
                        }
                        // Samples with confidence >= T_k form a prefix of the descending order (ties included).
                        var rank = 0
                        while rank < n && confidence[Int(sorted[rank])] >= cutoffs[exit] {
                            done[Int(sorted[rank])] = true
                            rank += 1
                        }
                    }
                }
            }
        }
        return cutoffs
    }

    /// Sorts each exit's samples by confidence descending with one integer sort of packed (key, index) pairs.
    private static func sortedOrder(_ confidence: [Float], exits: Int, samples: Int) -> [Int32] {
        var order = [Int32]()
        order.reserveCapacity(exits * samples)
        var keys = [UInt64](repeating: 0, count: samples)
        for exit in 0..<exits {
            for sample in 0..<samples {
                let descending = ~orderedBits(confidence[exit * samples + sample])
                keys[sample] = UInt64(descending) << 32 | UInt64(sample)
            }
            keys.sort()
            order.append(contentsOf: keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) })
        }
        return order
    }

    /// A UInt32 whose unsigned order equals the Float order (for finite values).
    private static func orderedBits(_ value: Float) -> UInt32 {
        let bits = value.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }
}
