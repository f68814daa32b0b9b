import Foundation
import TestSupport
import Testing

/// Drives the real `ranet-tui` inside tmux on the bundled sample run: every view, the slider, a sample drill-down, `q`.
@Suite(.serialized) struct TUIEndToEndTests {
    static let tmuxPath = ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
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
        // The drill-down names each exit's sub-network and resolution from the run's stored config (fmnist-small:
        // sub-networks at 7, 14 and 28 px).
        let detail = try waitFor(session, "Sample #")
        #expect(detail.contains("sub-network") && detail.contains("7px") && detail.contains("28px"))
        try tmux(["send-keys", "-t", session, "2", "n"])
        _ = try waitFor(session, "New training run")
        try tmux(["send-keys", "-t", session, "Escape"])
        _ = try waitFor(session, "Loss per exit")
        try tmux(["send-keys", "-t", session, "q"])
        #expect(waitForExitCode(exitFile) == "0")
    }

    /// The exit code the wrapping shell wrote, once it shows up.
    func waitForExitCode(_ path: String, timeout: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        func read() -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The shell creates the file before `echo` writes the code into it: wait for the code, not the file.
        while (read() ?? "").isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        return read()
    }

    /// A scratch directory with a copy of the sample store, and the command line that runs ranet-tui on it in tmux
    /// and writes its exit code to `exit-code`.
    func prepare(_ name: String, extraArguments: String = "") throws -> (dir: URL, command: String, exitFile: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-tui-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = dir.appendingPathComponent("ranet.sqlite")
        try FileManager.default.copyItem(at: Self.sampleStore, to: store)
        let exitFile = dir.appendingPathComponent("exit-code").path
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        let command =
            "TERM=xterm-256color TMPDIR='\(dir.path)' '\(binary)' --store '\(store.path)' \(extraArguments); "
            + "echo $? > '\(exitFile)'; sleep 30"
        return (dir, command, exitFile)
    }

    /// The pid of ranet-tui: the only child of the pane's shell.
    func dashboardPid(_ session: String) throws -> pid_t? {
        let shell = try tmux(["display-message", "-p", "-t", session, "#{pane_pid}"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        return children?.split(separator: " ").first.flatMap { pid_t($0) }
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed (apt-get install tmux)"))
    func hangupQuitsCleanlyAndRestoresTheTerminal() throws {
        let (dir, command, exitFile) = try prepare("hup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = "ranet-hup-\(getpid())"
        try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command])
        defer { _ = try? tmux(["kill-session", "-t", session]) }
        _ = try waitFor(session, "Runs")
        #expect(try tmux(["display-message", "-p", "-t", session, "#{alternate_on}"]).hasPrefix("1"))
        let pid = try #require(try dashboardPid(session))
        #expect(kill(pid, SIGHUP) == 0)
        #expect(waitForExitCode(exitFile) == "0", "ranet-tui did not quit on SIGHUP")
        // endwin ran: the pane is back on the normal screen.
        #expect(try tmux(["display-message", "-p", "-t", session, "#{alternate_on}"]).hasPrefix("0"))
    }

    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Started with SIGINT and SIGHUP blocked and SIGINT ignored (as a process inside tmux or under some runners can
    /// inherit them), Ctrl-C still quits: the dashboard unblocks and installs its handlers at start.
    @Test(.enabled(if: tmuxPath != nil && python != nil, "needs tmux and python3"))
    func ctrlCQuitsEvenWhenStartedWithSignalsBlocked() throws {
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        let wrapper =
            "import os, signal; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGHUP}); "
            + "signal.signal(signal.SIGINT, signal.SIG_IGN); os.execv(os.environ['TUI'], [os.environ['TUI'], '--fake-data'])"
        let (dir, _, exitFile) = try prepare("blocked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let command =
            "TERM=xterm-256color TUI='\(binary)' \(Self.python!) -c \"\(wrapper)\"; echo $? > '\(exitFile)'; sleep 30"
        let session = "ranet-blocked-\(getpid())"
        try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command])
        _ = try waitFor(session, "Runs")
        let pid = try dashboardPid(session)
        defer {
            // With the signals still blocked a failing dashboard would outlive tmux's SIGHUP.
            if let pid, (waitForExitCode(exitFile, timeout: 0) ?? "").isEmpty { kill(pid, SIGKILL) }
            _ = try? tmux(["kill-session", "-t", session])
        }
        try tmux(["send-keys", "-t", session, "C-c"])
        #expect(waitForExitCode(exitFile) == "0", "Ctrl-C did not quit")
    }

    static let fashionMNIST = FileManager.default.fileExists(
        atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

    /// `n` starts `ranet train` from the dialog, the training view follows the new run, `x` stops it with SIGINT and
    /// the trainer checkpoints and marks it interrupted.
    @Test(
        .enabled(
            if: tmuxPath != nil && fashionMNIST,
            "needs tmux and Fashion-MNIST (apt-get install tmux dataset-fashion-mnist)"))
    func newRunStartsFollowsAndStopsATrainingChild() throws {
        let (dir, command, exitFile) = try prepare("train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = "ranet-train-\(getpid())"
        try tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "40", command])
        defer { _ = try? tmux(["kill-session", "-t", session]) }
        _ = try waitFor(session, "Runs")
        try tmux(["send-keys", "-t", session, "n"])
        _ = try waitFor(session, "New training run")
        try tmux(["send-keys", "-t", session, "j", "j", "Left", "Left", "Enter"])  // epochs: 4 -> 1
        // The new run's id follows the sample's runs.
        let started = try waitFor(session, "following run ", timeout: 60)
        let id = try #require(
            started.components(separatedBy: "following run ").dropFirst().first?.prefix { $0.isNumber })
        let following = try waitFor(session, "Loss per exit", timeout: 10)
        #expect(following.contains("· running"), "screen:\n\(following)")
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".log") }
        let log = dir.appendingPathComponent(try #require(logs.first)).path
        // The trainer prints "run N: ..." just before it installs its SIGINT handler.
        let deadline = Date().addingTimeInterval(60)
        while !((try? String(contentsOfFile: log, encoding: .utf8))?.contains("run \(id):") ?? false)
            && Date() < deadline
        {
            Thread.sleep(forTimeInterval: 0.2)
        }
        Thread.sleep(forTimeInterval: 3)
        try tmux(["send-keys", "-t", session, "x"])
        let stopped = try waitFor(session, "run \(id) stopped", timeout: 60)
        #expect(stopped.contains("--resume \(id)"))
        _ = try waitFor(session, "· interrupted", timeout: 10)
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(logText.contains("stopping after this step"), "log:\n\(logText)")
        try tmux(["send-keys", "-t", session, "q"])
        #expect(waitForExitCode(exitFile) == "0")
    }
}
