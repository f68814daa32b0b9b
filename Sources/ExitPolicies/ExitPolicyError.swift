/// Everything that can be wrong with the inputs of an exit-policy computation, each with a message saying
/// what is wrong and where.
public enum ExitPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Array sizes disagree with the declared exits x samples (x classes) shape.
    case shapeMismatch(String)
    /// A logit, probability or statistic is NaN or infinite (or a probability row is not a distribution).
    case invalidValue(String)
    /// A label or predicted class lies outside `0..<classCount`.
    case classOutOfRange(what: String, sample: Int, value: Int32, classCount: Int)
    /// A threshold lies outside the policy's valid range.
    case thresholdOutOfRange(policy: ExitPolicy, exit: Int?, value: Float, range: ClosedRange<Float>)
    /// Per-exit thresholds given for the wrong number of exits.
    case thresholdCountMismatch(given: Int, exitCount: Int)
    /// Cumulative FLOPs are missing, not one per exit, not positive or decreasing.
    case invalidFlops(String)
    /// A FLOPs budget outside what the exits can deliver (`[first exit, last exit]`).
    case budgetOutOfRange(target: Double, minimum: Int64, maximum: Int64)
    /// The budget parameter p must be a finite, non-negative number (0 and +infinity are the limits).
    case invalidBudgetParameter(Double)
    /// Validation and test outputs come from models with different exits or classes.
    case splitMismatch(String)
    /// The policy needs a statistic these outputs do not hold (margins were not stored).
    case policyUnavailable(ExitPolicy, String)
    /// A stream controller setting (gain, window, levels, arrival order) that cannot work.
    case invalidStreamSetting(String)

    /// A human-readable message saying what is wrong and where.
    public var description: String {
        switch self {
        case .shapeMismatch(let message): return "exit outputs: \(message)"
        case .invalidValue(let message): return "exit outputs: \(message)"
        case .classOutOfRange(let what, let sample, let value, let classCount):
            return "exit outputs: \(what) of sample \(sample) is \(value), outside 0..<\(classCount)"
        case .thresholdOutOfRange(let policy, let exit, let value, let range):
            let place = exit.map { "exit \($0)" } ?? "the global threshold"
            return "\(policy) threshold \(value) at \(place) is outside its valid range "
                + "[\(range.lowerBound), \(range.upperBound)]"
        case .thresholdCountMismatch(let given, let exitCount):
            return "per-exit thresholds: \(given) given, expected \(max(exitCount - 1, 0)) "
                + "(or \(exitCount) with the last ignored) for \(exitCount) exits"
        case .invalidFlops(let message): return "cumulative FLOPs: \(message)"
        case .budgetOutOfRange(let target, let minimum, let maximum):
            return "FLOPs budget \(target) is outside [\(minimum), \(maximum)], "
                + "the first and last exits' cumulative FLOPs"
        case .invalidBudgetParameter(let p):
            return "budget parameter p = \(p) must be a non-negative number"
        case .splitMismatch(let message): return "validation/test outputs: \(message)"
        case .policyUnavailable(let policy, let message): return "policy \(policy): \(message)"
        case .invalidStreamSetting(let message): return "stream budget: \(message)"
        }
    }
}
