import Foundation
import Testing
import TestSupport

/// Drives the real `ranet-tui` inside tmux on the bundled sample run: every view, the slider, a sample drill-down, `q`.
@Suite(.serialized) struct TUIEndToEndTests {
    static let tmuxPath = ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let sampleStore = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sample-data/ranet.sqlite")

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        // stdout to a file, not a pipe: new-session starts the tmux server, which would inherit and hold a pipe open.
        let result = try ChildProcess.run(Self.tmuxPath!, args, timeout: 30)
        return result.stdout
    }

    /// Captures the pane until `text` shows up (the UI polls and redraws asynchronously).
    func waitFor(_ session: String, _ text: String, timeout: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try tmux(["capture-pane", "-p", "-t", session])
            if screen.contains(text) { return screen }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("timed out waiting for \"\(text)\"; screen:\n\(screen)")
        return screen
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed (apt-get install tmux)"))
    func everyViewSliderDrillDownAndQuit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-tui-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("ranet.sqlite")
        try FileManager.default.copyItem(at: Self.sampleStore, to: store)
        let exitFile = dir.appendingPathComponent("exit-code").path
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        let session = "ranet-e2e-\(getpid())"
        let command = "TERM=xterm-256color '\(binary)' --store '\(store.path)'; echo $? > '\(exitFile)'"
        try tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "40", command])
        defer { _ = try? tmux(["kill-session", "-t", session]) }

        _ = try waitFor(session, "Runs")
        try tmux(["send-keys", "-t", session, "Enter"])
        try tmux(["send-keys", "-t", session, "2"])
        _ = try waitFor(session, "Loss per exit")
        try tmux(["send-keys", "-t", session, "3"])
        _ = try waitFor(session, "MFLOPs")
        try tmux(["send-keys", "-t", session, "4"])
        let before = try waitFor(session, "threshold")
        try tmux(["send-keys", "-t", session, "Right", "Right", "]"])
        Thread.sleep(forTimeInterval: 0.8)
        let after = try tmux(["capture-pane", "-p", "-t", session])
        #expect(before != after, "moving the slider changed nothing on screen")
        try tmux(["send-keys", "-t", session, "5"])
        _ = try waitFor(session, "Samples")
        try tmux(["send-keys", "-t", session, "Enter"])
        _ = try waitFor(session, "Sample #")
        try tmux(["send-keys", "-t", session, "q"])
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: exitFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let code = (try? String(contentsOfFile: exitFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code == "0", "ranet-tui exit code \(code ?? "missing")")
    }
}
