/// Budgeted batch on a stream: the budgeted p-schedule's operating point adapted image by image so the running
/// average cost stays at the budget even when the images stop looking like the validation split.
///
/// The controller commands a level v (in FLOPs, between the first and the last exit's) and applies the thresholds
/// the budgeted-batch solver finds on validation for a budget of v (a table of `levels` evenly spaced budgets,
/// solved once). After each image of cost c it moves v by gain x (budget - c): integral feedback on the running
/// cost. Summed over any stretch of images, (c - budget) then equals minus the change of v over that stretch divided
/// by the gain, so the average over a window of W images misses the budget by at most
/// (F_last - F_first) / (gain x W) — whatever the images — as long as v stays inside its range (it reaches either end
/// only when the stream cannot be held at the budget at all). `window` is the running average it reports.
public struct StreamBudgetController: Sendable {
    /// Level change per FLOP of error: 0.05 bounds a 1,000-image window's miss by 2% of the exits' FLOPs range
    /// divided by the budget (under 5% on the presets at half the last exit's FLOPs), and lets v cross its whole
    /// range within a few hundred images of a drift.
    public static let defaultGain = 0.05
    /// Images in the reported running average.
    public static let defaultWindow = 500
    /// Budgets solved on validation: 1% steps of the FLOPs range, finer than one image's cost noise.
    public static let defaultLevels = 101

    /// Target average FLOPs per image.
    public let budget: Double
    /// Level change per FLOP of error.
    public let gain: Double
    /// Images in `runningAverage`.
    public let window: Int
    /// The policy whose confidences the thresholds compare.
    public let policy: ExitPolicy
    /// Cumulative FLOPs per exit (what an image leaving there costs).
    public let cumulativeFlops: [Int64]
    /// Validation average FLOPs of each table entry, ascending, and the entry's cutoffs.
    let levelFlops: [Double]
    let levelCutoffs: [[Float]]
    /// The commanded level, in FLOPs.
    public private(set) var level: Double
    private var recent: [Double]
    private var recentSum = 0.0
    /// Images observed so far.
    public private(set) var observed = 0

    /// Solves the table on `validation`; a budget outside [first, last exit's FLOPs] is refused
    /// (`budgetOutOfRange`), as are a non-positive gain, a window or fewer than two levels.
    public init(
        validation: ExitOutputs, policy: ExitPolicy, cumulativeFlops: [Int64], budget: Double,
        gain: Double = defaultGain, window: Int = defaultWindow, levels: Int = defaultLevels
    ) throws(ExitPolicyError) {
        guard gain > 0, gain.isFinite else { throw .invalidStreamSetting("gain \(gain) must be a positive number") }
        guard window >= 1 else { throw .invalidStreamSetting("window \(window) must be at least one image") }
        guard levels >= 2 else { throw .invalidStreamSetting("\(levels) level(s): need at least 2") }
        let solver = try BudgetedBatch(
            validation: validation, test: validation, policy: policy, cumulativeFlops: cumulativeFlops)
        guard budget.isFinite, solver.budgetRange.contains(budget) else {
            throw .budgetOutOfRange(
                target: budget, minimum: cumulativeFlops[0], maximum: cumulativeFlops[cumulativeFlops.count - 1])
        }
        let range = solver.budgetRange
        var flops: [Double] = []
        var cutoffs: [[Float]] = []
        for index in 0..<levels {
            let target = range.lowerBound + (range.upperBound - range.lowerBound) * Double(index) / Double(levels - 1)
            let point = try solver.solve(targetFlops: target)
            flops.append(point.validation.expectedFlops)
            cutoffs.append(try solver.cutoffs(p: point.p))
        }
        self.budget = budget
        self.gain = gain
        self.window = window
        self.policy = policy
        self.cumulativeFlops = cumulativeFlops
        levelFlops = flops
        levelCutoffs = cutoffs
        level = budget
        recent = []
        recent.reserveCapacity(window)
    }

    /// The FLOPs range the level moves in: the first to the last exit's.
    public var range: ClosedRange<Double> {
        Double(cumulativeFlops[0])...Double(cumulativeFlops[cumulativeFlops.count - 1])
    }

    /// Confidence cutoffs now (one per exit; +infinity: nobody leaves there; the last exit takes everyone).
    public var cutoffs: [Float] { levelCutoffs[entry] }

    /// Thresholds now, in the policy's units.
    public var thresholds: Thresholds { Thresholds.fromCutoffs(cutoffs, policy: policy) }

    /// The table entry whose validation FLOPs is the largest not above the level (the first when none is).
    private var entry: Int {
        var low = 0
        var high = levelFlops.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if levelFlops[middle] <= level { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Feeds back one image's cost.
    public mutating func observe(flops: Double) {
        level = min(max(level + gain * (budget - flops), range.lowerBound), range.upperBound)
        if recent.count < window {
            recent.append(flops)
        } else {
            recentSum -= recent[observed % window]
            recent[observed % window] = flops
        }
        recentSum += flops
        observed += 1
    }

    /// Average cost of the last `window` images (of all so far when fewer; 0 before the first).
    public var runningAverage: Double { recent.isEmpty ? 0 : recentSum / Double(recent.count) }
}

/// Where each image of a stream left and what it cost, in arrival order.
public struct StreamRun: Sendable, Equatable {
    /// Exit per image.
    public var exitIndex: [Int] = []
    /// FLOPs per image.
    public var flops: [Double] = []
    /// Whether each image's prediction was right.
    public var correct: [Bool] = []

    /// An empty run.
    public init() {}

    /// Appends one image.
    public mutating func append(exit: Int, flops: Double, correct: Bool) {
        exitIndex.append(exit)
        self.flops.append(flops)
        self.correct.append(correct)
    }

    /// Images so far.
    public var count: Int { flops.count }
    /// Fraction right, in [0, 1].
    public var accuracy: Double { Double(correct.filter { $0 }.count) / Double(max(count, 1)) }
    /// Average FLOPs per image.
    public var averageFlops: Double { flops.reduce(0, +) / Double(max(count, 1)) }

    /// Average cost of every window of `window` consecutive images (one average of all images when fewer).
    public func windowAverages(window: Int) -> [Double] {
        guard count > 0 else { return [] }
        let size = min(max(window, 1), count)
        var sum = flops[0..<size].reduce(0, +)
        var averages = [sum / Double(size)]
        for end in size..<count {
            sum += flops[end] - flops[end - size]
            averages.append(sum / Double(size))
        }
        return averages
    }

    /// The largest relative miss |average - budget| / budget over every window of `window` images.
    public func worstWindowMiss(budget: Double, window: Int) -> Double {
        windowAverages(window: window).map { abs($0 - budget) / budget }.max() ?? 0
    }

    /// The relative miss (average - budget) / budget of images `range` taken together (signed: negative = under).
    public func miss(budget: Double, images range: Range<Int>) -> Double {
        let slice = flops[range]
        return (slice.reduce(0, +) / Double(max(slice.count, 1)) - budget) / budget
    }
}

extension StreamBudgetController {
    /// Runs the controller over recorded outputs in arrival order `order` (sample indices of `outputs`): each image
    /// leaves at the first exit whose confidence passes the controller's current cutoff, and its cost is fed back.
    public mutating func simulate(_ outputs: ExitOutputs, order: [Int]) throws(ExitPolicyError) -> StreamRun {
        try Self.checkStream(outputs, order: order, exits: cumulativeFlops.count)
        let confidences = try outputs.confidences(for: policy)
        var run = StreamRun()
        for sample in order {
            let exit = Self.exit(of: sample, outputs: outputs, confidences: confidences, cutoffs: cutoffs)
            let cost = Double(cumulativeFlops[exit])
            run.append(exit: exit, flops: cost, correct: outputs.isCorrect(exit: exit, sample: sample))
            observe(flops: cost)
        }
        return run
    }

    /// The same stream with fixed thresholds (what solving once on validation gives).
    public static func simulateStatic(
        _ outputs: ExitOutputs, order: [Int], policy: ExitPolicy, thresholds: Thresholds, cumulativeFlops: [Int64]
    ) throws(ExitPolicyError) -> StreamRun {
        try checkStream(outputs, order: order, exits: cumulativeFlops.count)
        try thresholds.validate(policy: policy, exitCount: outputs.exitCount, classCount: outputs.classCount)
        let cutoffs = (0..<outputs.exitCount).map { exit -> Float in
            guard exit < outputs.exitCount - 1 else { return -.infinity }
            return thresholds.threshold(atExit: exit, exitCount: outputs.exitCount)
                .map { policy.cutoff(forThreshold: $0) } ?? .infinity
        }
        let confidences = try outputs.confidences(for: policy)
        var run = StreamRun()
        for sample in order {
            let exit = exit(of: sample, outputs: outputs, confidences: confidences, cutoffs: cutoffs)
            run.append(
                exit: exit, flops: Double(cumulativeFlops[exit]),
                correct: outputs.isCorrect(exit: exit, sample: sample))
        }
        return run
    }

    private static func exit(of sample: Int, outputs: ExitOutputs, confidences: [Float], cutoffs: [Float]) -> Int {
        for exit in 0..<(outputs.exitCount - 1)
        where confidences[outputs.index(exit: exit, sample: sample)] >= cutoffs[exit] {
            return exit
        }
        return outputs.exitCount - 1
    }

    private static func checkStream(_ outputs: ExitOutputs, order: [Int], exits: Int) throws(ExitPolicyError) {
        guard outputs.exitCount == exits else {
            throw .invalidFlops("\(exits) cumulative FLOPs for outputs of \(outputs.exitCount) exits")
        }
        if let bad = order.first(where: { !(0..<outputs.sampleCount).contains($0) }) {
            throw .invalidStreamSetting("image \(bad) of the arrival order is outside 0..<\(outputs.sampleCount)")
        }
    }
}
