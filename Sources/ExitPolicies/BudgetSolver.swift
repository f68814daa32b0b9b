/// Solving for a FLOPs budget: which p (and so which thresholds) spends a given average FLOPs per sample.
extension BudgetedBatch {
    /// Average FLOPs the exits can deliver: from the first exit's to the last exit's cumulative FLOPs.
    public var budgetRange: ClosedRange<Double> {
        Double(cumulativeFlops[0])...Double(cumulativeFlops[cumulativeFlops.count - 1])
    }

    /// A budget clamped into `budgetRange`, for callers that prefer clamping (and saying so) to refusing.
    public func clampedBudget(_ targetFlops: Double) -> Double {
        min(max(targetFlops, budgetRange.lowerBound), budgetRange.upperBound)
    }

    /// The budgeted-batch point whose VALIDATION average FLOPs is the largest found not above `targetFlops`,
    /// by bisection on p; its test numbers are reported alongside.
    ///
    /// Bisection runs on u in [0, 1] with p = u / (1 - u), so the ends are exactly p = 0 (everyone leaves at
    /// the first exit: F_1) and p = +infinity (everyone runs to the last: F_K), and the invariant
    /// "FLOPs(lo) <= target < FLOPs(hi)" holds from the start. Validation FLOPs is a step function of p
    /// (whole samples move between exits), so the target is met from below to within the last step.
    /// A target outside `budgetRange` (or not finite) is refused with `budgetOutOfRange`; use
    /// `clampedBudget(_:)` first to clamp instead.
    public func solve(targetFlops: Double, iterations: Int = 40) throws(ExitPolicyError) -> BudgetCurvePoint {
        guard targetFlops.isFinite, budgetRange.contains(targetFlops) else {
            throw .budgetOutOfRange(
                target: targetFlops, minimum: cumulativeFlops[0],
                maximum: cumulativeFlops[cumulativeFlops.count - 1])
        }
        var scratch = ExitSimulation()
        let last = try validationFlops(u: 1, scratch: &scratch)
        if last <= targetFlops { return try point(p: Self.ratio(u: 1), scratch: &scratch) }
        var low = 0.0
        var high = 1.0
        for _ in 0..<iterations {
            let middle = (low + high) / 2
            let flops = try validationFlops(u: middle, scratch: &scratch)
            if flops <= targetFlops { low = middle } else { high = middle }
            if flops == targetFlops { break }
        }
        return try point(p: Self.ratio(u: low), scratch: &scratch)
    }

    /// Average validation FLOPs of the thresholds found at p = ratio(u).
    private func validationFlops(u: Double, scratch: inout ExitSimulation) throws(ExitPolicyError) -> Double {
        let cuts = try cutoffs(p: Self.ratio(u: u))
        scratch.run(
            outputs: validation, confidences: validationConfidence, cutoffs: cuts,
            flops: cumulativeFlops)
        return scratch.expectedFlops
    }

    /// Maps [0, 1] onto [0, +infinity] monotonically (u = 1/2 gives p = 1).
    static func ratio(u: Double) -> Double { u >= 1 ? .infinity : u / (1 - u) }
}
