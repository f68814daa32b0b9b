import Foundation

/// An evaluation of one checkpoint of a run on one split: the cost and accuracy of every exit.
public struct EvaluationRecord: Sendable, Hashable, Codable {
    /// Store-assigned id (nil until added).
    public var id: Int64?
    /// Evaluated run.
    public var runID: Int64
    /// Checkpoint file whose weights were evaluated.
    public var checkpointPath: String
    /// Split name, e.g. "test" or "validation".
    public var split: String
    /// Cumulative multiply-adds needed to reach each exit.
    public var exitFLOPs: [Int64]
    /// Cumulative parameters used up to each exit.
    public var exitParams: [Int64]
    /// Top-1 accuracy in [0, 1] of each exit on the split.
    public var exitAccuracy: [Float]
    /// When the record was made.
    public var createdAt: Date

    /// Number of exits (the length every per-exit array must have).
    public var exitCount: Int { exitFLOPs.count }

    /// Creates an evaluation record.
    public init(
        id: Int64? = nil, runID: Int64, checkpointPath: String, split: String,
        exitFLOPs: [Int64], exitParams: [Int64], exitAccuracy: [Float], createdAt: Date = Date()
    ) {
        self.id = id
        self.runID = runID
        self.checkpointPath = checkpointPath
        self.split = split
        self.exitFLOPs = exitFLOPs
        self.exitParams = exitParams
        self.exitAccuracy = exitAccuracy
        self.createdAt = createdAt
    }
}
