import Foundation

/// A budget curve: the operating points one exit policy reaches on one evaluation.
public struct BudgetCurve: Sendable, Hashable, Codable {
    /// Store-assigned id (nil until saved).
    public var id: Int64?
    /// Evaluation whose per-sample records the curve was computed from.
    public var evaluationID: Int64
    /// Policy name, e.g. "geometric-p" or "budget-target".
    public var policy: String
    /// Operating points in the order the policy produced them.
    public var points: [BudgetPoint]
    /// When the record was made.
    public var createdAt: Date

    /// Creates a budget curve.
    public init(
        id: Int64? = nil, evaluationID: Int64, policy: String, points: [BudgetPoint], createdAt: Date = Date()
    ) {
        self.id = id
        self.evaluationID = evaluationID
        self.policy = policy
        self.points = points
        self.createdAt = createdAt
    }
}

/// One operating point of a budget curve.
public struct BudgetPoint: Sendable, Hashable, Codable {
    /// The policy's knob at this point (e.g. exit probability p, or the target FLOPs).
    public var parameter: Double
    /// Confidence threshold of every exit.
    public var thresholds: [Float]
    /// Expected FLOPs per sample under these thresholds.
    public var expectedFLOPs: Double
    /// Accuracy in [0, 1] under these thresholds.
    public var accuracy: Double

    /// Expected cost per sample in MFLOPs, the unit the dashboard plots.
    public var expectedMFLOPs: Double { expectedFLOPs / 1e6 }

    /// Creates a budget point.
    public init(parameter: Double, thresholds: [Float], expectedFLOPs: Double, accuracy: Double) {
        self.parameter = parameter
        self.thresholds = thresholds
        self.expectedFLOPs = expectedFLOPs
        self.accuracy = accuracy
    }
}
