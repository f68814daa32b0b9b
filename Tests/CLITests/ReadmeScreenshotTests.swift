import Foundation
import TestSupport
import Testing

/// The text screenshots in README.md and docs/dashboard.md are `ranet-tui --dump-screen 100x30 --ascii ARGS` on the
/// bundled sample data, run from the package root, each between `<!-- dump-screen: ARGS -->` and
/// `<!-- /dump-screen -->`; RECORD_SNAPSHOTS=1 rewrites them.
@Suite struct ReadmeScreenshotTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let marker = "<!-- dump-screen: "

    /// With ./ranet.sqlite present the dashboard would open that instead of the sample data.
    static let sampleDataWouldOpen =
        !FileManager.default.fileExists(atPath: "ranet.sqlite")
        && FileManager.default.currentDirectoryPath == root.path

    /// Each file with screenshots and how many it must hold at least.
    static let files: [(path: String, minimum: Int)] = [("README.md", 1), ("docs/dashboard.md", 7)]

    @Test(.enabled(if: sampleDataWouldOpen, "needs the package root as working directory, without ./ranet.sqlite"))
    func readmeScreenshotsMatchTheDashboard() throws {
        for file in Self.files {
            let count = try checkScreenshots(in: file.path)
            #expect(count >= file.minimum, "\(file.path) should hold at least \(file.minimum) screenshots")
        }
    }

    /// Checks (or with RECORD_SNAPSHOTS=1 rewrites) every screenshot block of one file; returns how many it holds.
    func checkScreenshots(in path: String) throws -> Int {
        let url = Self.root.appendingPathComponent(path)
        var text = try String(contentsOf: url, encoding: .utf8)
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "RANET_STORE")
        let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
        var searchFrom = text.startIndex
        var count = 0
        while let open = text.range(of: Self.marker, range: searchFrom..<text.endIndex) {
            let header = try #require(text.range(of: " -->\n```text\n", range: open.upperBound..<text.endIndex))
            let close = try #require(
                text.range(of: "\n```\n<!-- /dump-screen -->", range: header.upperBound..<text.endIndex))
            let arguments = text[open.upperBound..<header.lowerBound].split(separator: " ").map(String.init)
            let result = try ChildProcess.run(
                binary, ["--dump-screen", "100x30", "--ascii"] + arguments,
                environment: environment, timeout: 60)
            #expect(result.status == 0, "\(path) \(arguments): \(result.stderr)")
            let screen = result.stdout.hasSuffix("\n") ? String(result.stdout.dropLast()) : result.stdout
            if recording {
                text.replaceSubrange(header.upperBound..<close.lowerBound, with: screen)
            } else {
                #expect(
                    String(text[header.upperBound..<close.lowerBound]) == screen,
                    "\(path): screenshot for \(arguments) is stale: re-record with RECORD_SNAPSHOTS=1")
            }
            searchFrom = text.range(of: "<!-- /dump-screen -->", range: header.upperBound..<text.endIndex)!.upperBound
            count += 1
        }
        if recording { try text.write(to: url, atomically: true, encoding: .utf8) }
        return count
    }
}
