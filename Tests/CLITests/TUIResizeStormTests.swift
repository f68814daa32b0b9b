import Foundation
import TestSupport
import Testing

/// ranet-tui under a resize storm: 100 `tmux resize-window` calls (each a SIGWINCH) within about two seconds, sizes
/// from 20x10 to 300x100. It keeps running, its last frame fits the final size exactly (title on the first row, no
/// line wider than the window, nothing scrolled away), and `q` still quits with status 0.
@Suite(.serialized) struct TUIResizeStormTests {
    @Test(.enabled(if: TUIEndToEndTests.tmuxPath != nil, "tmux is not installed (apt-get install tmux)"))
    func survivesAResizeStormAndQuitsCleanly() throws {
        let e2e = TUIEndToEndTests()
        let (dir, command, exitFile) = try e2e.prepare("storm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = "ranet-storm-\(getpid())"
        try e2e.tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "40", command])
        defer { _ = try? e2e.tmux(["kill-session", "-t", session]) }
        let first = try e2e.waitFor(session, "Runs")
        let title = try #require(first.split(separator: "\n").first.map(String.init))
        let pid = try #require(try e2e.dashboardPid(session))

        var rng = TestRNG(seed: 20)
        let start = Date()
        for _ in 0..<100 {
            let width = 20 + rng.int(281)
            let height = 10 + rng.int(91)
            try e2e.tmux(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
        }
        let stormSeconds = Date().timeIntervalSince(start)
        #expect(kill(pid, 0) == 0, "ranet-tui died during the storm")

        let (width, height) = (100, 30)
        try e2e.tmux(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
        // The dashboard redraws on its own after the last SIGWINCH: the frame must settle at the final size.
        var screen = ""
        let deadline = Date().addingTimeInterval(10)
        repeat {
            Thread.sleep(forTimeInterval: 0.3)
            screen = try e2e.tmux(["capture-pane", "-p", "-t", session])
        } while !screen.hasPrefix(String(title.prefix(20))) && Date() < deadline
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(screen.hasPrefix(String(title.prefix(20))), "title row lost after the storm:\n\(screen)")
        #expect(lines.allSatisfy { $0.count <= width }, "a line is wider than \(width):\n\(screen)")
        #expect(lines.filter { !$0.isEmpty }.count <= height)
        #expect(kill(pid, 0) == 0, "ranet-tui died after the storm")
        try e2e.tmux(["send-keys", "-t", session, "q"])
        #expect(e2e.waitForExitCode(exitFile) == "0", "ranet-tui did not quit cleanly after the storm")
        #expect(stormSeconds < 10, "the storm took \(stormSeconds) s")
    }
}
