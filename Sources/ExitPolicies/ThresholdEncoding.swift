import Foundation

/// Thresholds as the command line writes them, as reports show them and as the store keeps them.
extension Thresholds {
    /// `T` (every exit but the last) or `T1,T2,...` (one per exit but the last, or one per exit with the last
    /// ignored); nil unless every item is a finite number.
    public init?(commaSeparated text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        let values = parts.map { $0! }
        self = values.count == 1 ? .global(values[0]) : .perExit(values.map { Optional($0) })
    }

    /// One entry per exit: nil where nobody exits and at the last exit (it takes everyone).
    public func perExitValues(exitCount: Int) -> [Float?] {
        (0..<exitCount).map { threshold(atExit: $0, exitCount: exitCount) }
    }

    /// One entry per exit, space-separated: "%.4g", or "-" where nobody exits and at the last exit.
    public func text(exitCount: Int) -> String {
        perExitValues(exitCount: exitCount).map { $0.map { String(format: "%.4g", $0) } ?? "-" }
            .joined(separator: " ")
    }
}

extension ExitPolicy {
    /// A stored threshold that nobody passes (the budget search's "no one exits here").
    public var unreachableThreshold: Float { self == .entropy ? -1 : 2 }

    /// Per-exit thresholds as plain numbers for storage and JSON: `unreachableThreshold` where nobody exits, and at
    /// the last exit a value everyone passes.
    public func storable(_ thresholds: Thresholds, exitCount: Int) -> [Float] {
        (0..<exitCount).map {
            thresholds.threshold(atExit: $0, exitCount: exitCount)
                ?? ($0 == exitCount - 1 ? (self == .entropy ? .greatestFiniteMagnitude : 0) : unreachableThreshold)
        }
    }
}
