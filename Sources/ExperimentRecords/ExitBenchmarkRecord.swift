import Foundation

/// One `ranet bench-exit` measurement of a run: real early exit timed against every exit for every image, under one
/// exit rule, on one host. `resultJSON` is the full result; the fields below are what readers compare.
public struct ExitBenchmarkRecord: Sendable, Hashable, Codable {
    /// Store-assigned id (nil until added).
    public var id: Int64?
    /// Benchmarked run.
    public var runID: Int64
    /// Exit policy (maxprob, entropy, margin).
    public var policy: String
    /// Host the times were measured on.
    public var host: String
    /// Engine threads.
    public var threads: Int
    /// Images per forward pass.
    public var batchSize: Int
    /// The result as JSON (an object with at least `flopsRatio` and `timeRatio`).
    public var resultJSON: String
    /// When it was measured.
    public var createdAt: Date

    /// Creates a record.
    public init(
        id: Int64? = nil, runID: Int64, policy: String, host: String, threads: Int, batchSize: Int,
        resultJSON: String, createdAt: Date = Date()
    ) {
        self.id = id
        self.runID = runID
        self.policy = policy
        self.host = host
        self.threads = threads
        self.batchSize = batchSize
        self.resultJSON = resultJSON
        self.createdAt = createdAt
    }

    /// The ratios every result holds, or nil when `resultJSON` lacks them.
    public var summary: ExitBenchmarkSummary? {
        try? JSONDecoder().decode(ExitBenchmarkSummary.self, from: Data(resultJSON.utf8))
    }
}

/// The part of a bench-exit result a dashboard compares: cost and time of real early exit relative to all exits.
public struct ExitBenchmarkSummary: Sendable, Hashable, Codable {
    /// Average FLOPs at the images' exits over the last exit's FLOPs.
    public var flopsRatio: Double
    /// Early-exit time over all-exits time.
    public var timeRatio: Double
    /// The FLOPs budget the thresholds were solved for, when the rule was a budget.
    public var budget: Double?

    /// Creates a summary.
    public init(flopsRatio: Double, timeRatio: Double, budget: Double? = nil) {
        self.flopsRatio = flopsRatio
        self.timeRatio = timeRatio
        self.budget = budget
    }

    /// Wall-time speed-up of real early exit over computing every exit (1 / timeRatio).
    public var measuredSpeedUp: Double { 1 / max(timeRatio, 1e-12) }
}
