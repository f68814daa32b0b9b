/// How a sample fares under a policy, for the sample browser (from its exit and its per-exit correctness).
public enum SampleExitCategory: String, Sendable, Hashable, CaseIterable {
    /// Right, and it leaves at the first exit.
    case easy
    /// Right at its exit, which is not the first, and wrong at every exit before it.
    case late
    /// Right at its exit, and already right at some earlier exit (it could have left sooner).
    case couldExitEarlier
    /// Wrong at its exit although right at some earlier exit ("overthinking").
    case overthinking
    /// Wrong at its exit and before it, but right at some later exit (it left too soon).
    case exitedTooEarly
    /// Wrong at every exit.
    case hard
}

/// The per-exit story of one sample under a policy.
public struct SampleExitProfile: Sendable, Hashable {
    /// Exit the sample leaves at.
    public var exit: Int
    /// Whether its prediction at that exit is right.
    public var isCorrect: Bool
    /// First exit whose prediction is right (nil: none is).
    public var firstCorrectExit: Int?
    /// Right at some exit before the last but wrong at the last (overthinking of the full network,
    /// whatever the thresholds).
    public var overthinksByLastExit: Bool
    /// The category derived from the above.
    public var category: SampleExitCategory {
        guard let first = firstCorrectExit else { return .hard }
        if isCorrect { return first < exit ? .couldExitEarlier : (exit == 0 ? .easy : .late) }
        return first < exit ? .overthinking : .exitedTooEarly
    }
}

extension ExitOutputs {
    /// The profile of `sample` when it leaves at `exit`.
    public func profile(sample: Int, exit: Int) -> SampleExitProfile {
        let first = (0..<exitCount).first { isCorrect(exit: $0, sample: sample) }
        let last = exitCount - 1
        let rightAtLast = isCorrect(exit: last, sample: sample)
        return SampleExitProfile(
            exit: exit, isCorrect: isCorrect(exit: exit, sample: sample),
            firstCorrectExit: first,
            overthinksByLastExit: !rightAtLast && first.map { $0 < last } == true)
    }

    /// Profiles of every sample under a simulation result of these outputs.
    public func profiles(_ simulation: ExitSimulation) -> [SampleExitProfile] {
        simulation.exitIndex.enumerated().map { profile(sample: $0.offset, exit: $0.element) }
    }

    /// How many samples fall in each category under a simulation result of these outputs.
    public func categoryCounts(_ simulation: ExitSimulation) -> [SampleExitCategory: Int] {
        var counts = Dictionary(uniqueKeysWithValues: SampleExitCategory.allCases.map { ($0, 0) })
        for (sample, exit) in simulation.exitIndex.enumerated() {
            counts[profile(sample: sample, exit: exit).category, default: 0] += 1
        }
        return counts
    }
}
