import Foundation

/// A rule deciding whether a sample leaves at an exit, from that exit's softmax statistics.
///
/// Every policy is also seen through one uniform "confidence" where higher means more confident
/// (max probability, negated entropy, margin), so that one threshold algorithm serves all three:
/// a sample exits at exit k when `confidence >= cutoff`, with `cutoff` the threshold mapped the same way.
public enum ExitPolicy: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Exit when the max softmax probability is >= the threshold (the paper's rule, eq. 2).
    case maxProb = "maxprob"
    /// Exit when the softmax entropy (nats) is <= the threshold.
    case entropy
    /// Exit when top-1 minus top-2 probability is >= the threshold.
    case margin

    /// The name used on the command line and in JSON.
    public var description: String { rawValue }

    /// The thresholds that make sense for this policy with `classCount` classes.
    ///
    /// The entropy bound is ln(classCount) rounded up by one Float step, so that ln(C) computed in either
    /// precision is accepted.
    public func validRange(classCount: Int) -> ClosedRange<Float> {
        switch self {
        case .maxProb, .margin: return 0...1
        case .entropy: return 0...Float(log(Double(max(classCount, 1)))).nextUp
        }
    }

    /// The uniform confidence (higher = more confident) of the given statistics under this policy.
    public func confidence(of statistics: SampleExitStatistics) -> Float {
        switch self {
        case .maxProb: return statistics.maxProb
        case .entropy: return -statistics.entropy
        case .margin: return statistics.margin
        }
    }

    /// The confidence cutoff equivalent to a policy threshold (exact: negation only).
    public func cutoff(forThreshold threshold: Float) -> Float {
        self == .entropy ? -threshold : threshold
    }

    /// The policy threshold equivalent to a confidence cutoff (inverse of `cutoff(forThreshold:)`).
    public func threshold(forCutoff cutoff: Float) -> Float {
        self == .entropy ? -cutoff : cutoff
    }

    /// Whether statistics with this policy and threshold leave at the exit (the policy's own comparison).
    public func exits(_ statistics: SampleExitStatistics, threshold: Float) -> Bool {
        confidence(of: statistics) >= cutoff(forThreshold: threshold)
    }
}

/// Exit thresholds in the policy's own units: one value for every exit, or one per exit.
///
/// The last exit always accepts every sample still running, whatever its value. In `perExit`, `nil` means
/// "no sample leaves at this exit" (what the budgeted search yields when a target count is 0 or cannot be
/// reached); the array holds `exitCount - 1` values, or `exitCount` with the last one ignored.
public enum Thresholds: Sendable, Hashable {
    /// The same threshold at every exit but the last.
    case global(Float)
    /// One threshold per exit; `nil` = nobody exits there.
    case perExit([Float?])

    /// The threshold that applies at `exit` (nil = nobody exits there); the last exit has none.
    public func threshold(atExit exit: Int, exitCount: Int) -> Float? {
        guard exit < exitCount - 1 else { return nil }
        switch self {
        case .global(let value): return value
        case .perExit(let values): return exit < values.count ? values[exit] : nil
        }
    }

    /// Throws unless every threshold lies in the policy's range and the per-exit count fits `exitCount`.
    public func validate(policy: ExitPolicy, exitCount: Int, classCount: Int) throws(ExitPolicyError) {
        let range = policy.validRange(classCount: classCount)
        switch self {
        case .global(let value):
            guard range.contains(value) else {
                throw .thresholdOutOfRange(policy: policy, exit: nil, value: value, range: range)
            }
        case .perExit(let values):
            guard values.count == exitCount - 1 || values.count == exitCount else {
                throw .thresholdCountMismatch(given: values.count, exitCount: exitCount)
            }
            // The ignored last entry must still be a sensible number if present.
            for (exit, value) in values.enumerated() {
                if let value, !range.contains(value) {
                    throw .thresholdOutOfRange(policy: policy, exit: exit, value: value, range: range)
                }
            }
        }
    }

    /// Confidence cutoffs, one per exit: +infinity where nobody exits, -infinity at the last exit.
    func cutoffs(policy: ExitPolicy, exitCount: Int) -> [Float] {
        (0..<exitCount).map { exit in
            if exit == exitCount - 1 { return -Float.infinity }
            guard let value = threshold(atExit: exit, exitCount: exitCount) else { return Float.infinity }
            return policy.cutoff(forThreshold: value)
        }
    }

    /// Per-exit thresholds (`exitCount - 1` entries) from confidence cutoffs; +infinity becomes `nil`.
    static func fromCutoffs(_ cutoffs: [Float], policy: ExitPolicy) -> Thresholds {
        .perExit(cutoffs.dropLast().map { $0 == .infinity ? nil : policy.threshold(forCutoff: $0) })
    }
}
