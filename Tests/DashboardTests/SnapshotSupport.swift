import Foundation
import Testing

@testable import Dashboard

/// Compares rendered text with `Snapshots/<name>.txt`; RECORD_SNAPSHOTS=1 rewrites the file instead.
func assertSnapshot(_ screen: Screen, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent(name + ".txt")
    let actual = screen.text + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record(
            "missing snapshot \(name).txt; run with RECORD_SNAPSHOTS=1 to record it", sourceLocation: sourceLocation)
        return
    }
    if expected != actual {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }
        let detail =
            firstDifference.map { "line \($0.offset + 1):\n  expected: \($0.element.0)\n  actual:   \($0.element.1)" }
            ?? "line counts differ (\(expectedLines.count) vs \(actualLines.count))"
        Issue.record("snapshot \(name) differs at \(detail)", sourceLocation: sourceLocation)
    }
}

/// A state loaded with the standard fake data, run 1 focused.
func loadedState(view: DashboardView = .runs, options: DisplayOptions = DisplayOptions()) -> DashboardState {
    let source = FakeDataSource()
    let data = try! source.snapshot(detailsFor: [1, 2, 3])
    var state = DashboardState(view: view, focusedRunID: 1, options: options)
    state = reduce(state, .dataLoaded(data))
    return state
}

let snapshotSizes = [Size(width: 80, height: 24), Size(width: 160, height: 48)]
