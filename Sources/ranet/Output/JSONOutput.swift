import ExitPolicies
import Foundation

/// Thresholds as a JSON array, one per exit: null where nobody exits, and at the last exit (it takes everyone).
func thresholdsJSON(_ thresholds: Thresholds, exitCount: Int) -> [Any] {
    thresholds.perExitValues(exitCount: exitCount).map { $0.map { Double($0) as Any } ?? NSNull() }
}

/// One JSON object on one line, keys sorted.
func printJSONObject(_ object: [String: Any]) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
}

/// One JSON array of objects on one line, keys sorted.
func printJSONArray(_ objects: [[String: Any]]) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]), as: UTF8.self))
}
