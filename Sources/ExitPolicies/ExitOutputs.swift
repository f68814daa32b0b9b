/// Per-sample, per-exit softmax statistics of one split (validation or test), stored struct-of-arrays.
///
/// Every per-exit array is exit-major with `exitCount * sampleCount` entries: the value of sample i at
/// exit k sits at `k * sampleCount + i`, so one exit's values are contiguous for the threshold search and
/// the simulation walks `exitCount` sequential streams.
public struct ExitOutputs: Sendable, Equatable {
    /// Number of exits K (classifiers), in network order.
    public let exitCount: Int
    /// Number of samples N.
    public let sampleCount: Int
    /// Number of classes C.
    public let classCount: Int
    /// True class of every sample (N).
    public let labels: [Int32]
    /// Max softmax probability (K*N, exit-major).
    public let maxProb: [Float]
    /// Softmax entropy in nats (K*N, exit-major).
    public let entropy: [Float]
    /// Top-1 minus top-2 probability (K*N, exit-major); empty when margins were not stored.
    public let margin: [Float]
    /// Predicted class (K*N, exit-major).
    public let predicted: [Int32]

    /// Negated entropy, so every policy's confidence is "higher = more confident" without a branch.
    let negatedEntropy: [Float]
    /// Whether `predicted == label` (K*N, exit-major), precomputed for the simulation's single pass.
    let correct: [Bool]

    /// Creates outputs from precomputed statistics (e.g. loaded from the store), checking every shape,
    /// that values are finite and that labels and predictions are valid classes. Pass `margin: nil`
    /// when margins were not stored (the margin policy then refuses with a clear error).
    ///
    /// Statistics more than 1e-3 outside their policy's range are refused; smaller overshoots (Float
    /// rounding in someone's softmax, e.g. a max probability of 1.0000001) are clamped into the range, so
    /// thresholds the budgeted search takes from these values always pass threshold validation.
    public init(
        exitCount: Int, sampleCount: Int, classCount: Int, labels: [Int32], maxProb: [Float],
        entropy: [Float], margin: [Float]?, predicted: [Int32]
    ) throws(ExitPolicyError) {
        try Self.checkShape(exitCount: exitCount, sampleCount: sampleCount, classCount: classCount)
        let count = exitCount * sampleCount
        try Self.checkCount(labels.count, sampleCount, "labels")
        let ranges = [ExitPolicy.maxProb, .entropy, .margin].map { $0.validRange(classCount: classCount) }
        let named = [("maxProb", maxProb), ("entropy", entropy), ("margin", margin ?? maxProb)]
        for ((name, array), range) in zip(named, ranges) {
            try Self.checkCount(array.count, count, name)
            let tolerant = (range.lowerBound - 1e-3)...(range.upperBound + 1e-3)
            if let bad = array.firstIndex(where: { !tolerant.contains($0) }) {
                throw .invalidValue(
                    "\(name) at exit \(bad / sampleCount), sample \(bad % sampleCount) "
                        + "is \(array[bad]), outside [\(range.lowerBound), \(range.upperBound)]")
            }
        }
        try Self.checkCount(predicted.count, count, "predicted")
        try Self.checkClasses(labels, "label", classCount: classCount, sampleCount: sampleCount)
        try Self.checkClasses(
            predicted, "predicted class at exit", classCount: classCount,
            sampleCount: sampleCount)
        self.exitCount = exitCount
        self.sampleCount = sampleCount
        self.classCount = classCount
        self.labels = labels
        self.maxProb = maxProb.map { Self.clamp($0, ranges[0]) }
        self.entropy = entropy.map { Self.clamp($0, ranges[1]) }
        self.margin = margin?.map { Self.clamp($0, ranges[2]) } ?? []
        self.predicted = predicted
        negatedEntropy = self.entropy.map { -$0 }
        correct = (0..<count).map { predicted[$0] == labels[$0 % sampleCount] }
    }

    /// Creates outputs from raw logits, flat exit-major [K][N][C], via a numerically stable softmax.
    public init(
        logits: [Float], exitCount: Int, sampleCount: Int, classCount: Int,
        labels: [Int32]
    ) throws(ExitPolicyError) {
        try self.init(
            rows: logits, kind: "logits", exitCount: exitCount, sampleCount: sampleCount,
            classCount: classCount, labels: labels, statistics: SampleExitStatistics.init(logits:))
    }

    /// Creates outputs from softmax probabilities, flat exit-major [K][N][C]; every row must be a distribution.
    public init(
        probabilities: [Float], exitCount: Int, sampleCount: Int, classCount: Int,
        labels: [Int32]
    ) throws(ExitPolicyError) {
        try self.init(
            rows: probabilities, kind: "probabilities", exitCount: exitCount,
            sampleCount: sampleCount, classCount: classCount, labels: labels,
            statistics: SampleExitStatistics.init(probabilities:))
    }

    /// Creates outputs from nested logits [exit][sample][class].
    public init(logits: [[[Float]]], labels: [Int32]) throws(ExitPolicyError) {
        let shape = try Self.nestedShape(logits, labels: labels)
        try self.init(
            logits: logits.flatMap { $0.flatMap { $0 } }, exitCount: shape.exits,
            sampleCount: shape.samples, classCount: shape.classes, labels: labels)
    }

    /// Creates outputs from nested probabilities [exit][sample][class].
    public init(probabilities: [[[Float]]], labels: [Int32]) throws(ExitPolicyError) {
        let shape = try Self.nestedShape(probabilities, labels: labels)
        try self.init(
            probabilities: probabilities.flatMap { $0.flatMap { $0 } }, exitCount: shape.exits,
            sampleCount: shape.samples, classCount: shape.classes, labels: labels)
    }

    /// Index of (exit, sample) in the exit-major arrays.
    @inlinable public func index(exit: Int, sample: Int) -> Int { exit * sampleCount + sample }

    /// Whether margins are available (the margin policy needs them).
    public var hasMargins: Bool { !margin.isEmpty }

    /// The statistics of one sample at one exit.
    public func statistics(exit: Int, sample: Int) -> SampleExitStatistics {
        let i = index(exit: exit, sample: sample)
        return SampleExitStatistics(
            maxProb: maxProb[i], entropy: entropy[i],
            margin: hasMargins ? margin[i] : .nan, predicted: predicted[i])
    }

    /// Whether the prediction of `sample` at `exit` equals its label.
    public func isCorrect(exit: Int, sample: Int) -> Bool { correct[index(exit: exit, sample: sample)] }

    /// Per-exit accuracy (the anytime table), fractions in [0, 1].
    public var exitAccuracies: [Double] {
        (0..<exitCount).map { exit in
            let base = exit * sampleCount
            let hits = correct[base..<base + sampleCount].reduce(0) { $0 + ($1 ? 1 : 0) }
            return Double(hits) / Double(sampleCount)
        }
    }

    /// The uniform confidence array (K*N) of a policy; throws if margins are needed but absent.
    func confidences(for policy: ExitPolicy) throws(ExitPolicyError) -> [Float] {
        switch policy {
        case .maxProb: return maxProb
        case .entropy: return negatedEntropy
        case .margin:
            guard hasMargins else { throw .policyUnavailable(policy, "these outputs hold no margins") }
            return margin
        }
    }
}

extension ExitOutputs {
    private init(
        rows: [Float], kind: String, exitCount: Int, sampleCount: Int, classCount: Int,
        labels: [Int32],
        statistics: (UnsafeBufferPointer<Float>) -> SampleExitStatistics?
    ) throws(ExitPolicyError) {
        try Self.checkShape(exitCount: exitCount, sampleCount: sampleCount, classCount: classCount)
        try Self.checkCount(rows.count, exitCount * sampleCount * classCount, kind)
        let count = exitCount * sampleCount
        var maxProb = [Float](repeating: 0, count: count)
        var entropy = maxProb
        var margin = maxProb
        var predicted = [Int32](repeating: 0, count: count)
        let failed: Int? = rows.withUnsafeBufferPointer { buffer in
            for row in 0..<count {
                let slice = UnsafeBufferPointer(rebasing: buffer[row * classCount..<(row + 1) * classCount])
                guard let s = statistics(slice) else { return row }
                (maxProb[row], entropy[row], margin[row], predicted[row]) = (
                    s.maxProb, s.entropy, s.margin,
                    s.predicted
                )
            }
            return nil
        }
        if let row = failed {
            let detail =
                kind == "logits"
                ? "holds a non-finite value"
                : "is not a distribution (negative, non-finite or not summing to 1)"
            throw .invalidValue("\(kind) row of exit \(row / sampleCount), sample \(row % sampleCount) \(detail)")
        }
        try self.init(
            exitCount: exitCount, sampleCount: sampleCount, classCount: classCount, labels: labels,
            maxProb: maxProb, entropy: entropy, margin: margin, predicted: predicted)
    }

    private static func nestedShape(
        _ values: [[[Float]]], labels: [Int32]
    )
        throws(ExitPolicyError) -> (exits: Int, samples: Int, classes: Int)
    {
        let samples = values.first?.count ?? 0
        let classes = values.first?.first?.count ?? 0
        for (exit, rows) in values.enumerated() {
            guard rows.count == samples else {
                throw .shapeMismatch("exit \(exit) has \(rows.count) samples, exit 0 has \(samples)")
            }
            if let bad = rows.firstIndex(where: { $0.count != classes }) {
                throw .shapeMismatch(
                    "exit \(exit), sample \(bad) has \(rows[bad].count) classes, "
                        + "expected \(classes)")
            }
        }
        return (values.count, samples, classes)
    }

    private static func clamp(_ value: Float, _ range: ClosedRange<Float>) -> Float {
        min(max(value, range.lowerBound), range.upperBound)
    }

    private static func checkShape(exitCount: Int, sampleCount: Int, classCount: Int) throws(ExitPolicyError) {
        guard exitCount >= 1, sampleCount >= 1, classCount >= 2 else {
            throw .shapeMismatch(
                "need at least 1 exit, 1 sample and 2 classes; got \(exitCount) exits, "
                    + "\(sampleCount) samples, \(classCount) classes")
        }
    }

    private static func checkCount(_ actual: Int, _ expected: Int, _ name: String) throws(ExitPolicyError) {
        guard actual == expected else {
            throw .shapeMismatch("\(name) has \(actual) values, expected \(expected)")
        }
    }

    private static func checkClasses(
        _ values: [Int32], _ what: String, classCount: Int,
        sampleCount: Int
    ) throws(ExitPolicyError) {
        if let bad = values.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
            let exitSuffix = what.hasSuffix("at exit") ? " \(bad / sampleCount)" : ""
            throw .classOutOfRange(
                what: what + exitSuffix,
                sample: bad % sampleCount, value: values[bad], classCount: classCount)
        }
    }
}
