import Foundation
import TestSupport
import Testing

/// `ranet-tui --dump-screen`: the real data path (store, config, evaluation) rendered to text without a terminal.
@Suite struct TUIDumpScreenTests {
    func dashboard(_ arguments: [String]) throws -> ChildProcess.Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ranet-tui-dump-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("ranet.sqlite")
        try FileManager.default.copyItem(at: TUIEndToEndTests.sampleStore, to: store)
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        return try ChildProcess.run(binary, ["--store", store.path] + arguments, timeout: 60)
    }

    @Test func drillDownShowsSubNetworkAndResolutionOfEveryExit() throws {
        let result = try dashboard(["--dump-screen", "100x30", "--ascii", "--view", "samples", "--press", "Enter"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 31 && lines.dropLast().allSatisfy { $0.count == 100 })
        #expect(result.stdout.contains("Sample #") && result.stdout.contains("(sub-network "))
        // fmnist-small: scales 1-2-3, nBlocks 2, blockStep 2: exits 1-2 on 7 px, 3-4 on 14 px, 5-6 on 28 px.
        for (exit, subnetwork, side) in [(1, 1, 7), (2, 1, 7), (3, 2, 14), (4, 2, 14), (5, 3, 28), (6, 3, 28)] {
            #expect(lines.contains { $0.hasPrefix("| \(exit)    \(subnetwork) \(side)px") }, "exit \(exit) row")
        }
        #expect(!result.stdout.unicodeScalars.contains { (0x2580...0x28FF).contains($0.value) }, "--ascii drew blocks")
    }

    @Test func theBundledSampleOpensOnTheAnytimeViewWithEveryRunOverlaid() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ranet-tui-bundled-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("ranet-tui").path
        var environment = ProcessInfo.processInfo.environment
        environment["RANET_STORE"] = nil
        let result = try ChildProcess.run(
            "/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" --dump-screen 120x40 --ascii", "sh", dir.path, binary],
            environment: environment, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Accuracy (%) vs cumulative MFLOPs"), "\(result.stdout)")
        let withEnvelope = try ChildProcess.run(
            "/bin/sh",
            ["-c", "cd \"$1\" && exec \"$2\" --dump-screen 120x40 --ascii --press b", "sh", dir.path, binary],
            environment: environment, timeout: 60)
        #expect(withEnvelope.stdout.contains("best ranet"), "\(withEnvelope.stdout)")
    }

    @Test func budgetKeysMoveTheSlider() throws {
        let before = try dashboard(["--dump-screen", "100x30", "--view", "budget"])
        let after = try dashboard(["--dump-screen", "100x30", "--view", "budget", "--press", "Right", "--press", "]"])
        #expect(before.stdout.contains("threshold 0.500") && after.stdout.contains("threshold 0.555"))
    }

    @Test(arguments: [
        (["--dump-screen", "100"], "--dump-screen '100': expected WIDTHxHEIGHT"),
        (["--dump-screen", "80x24", "--press", "Wiggle"], "--press 'Wiggle': not a key"),
        (["--press", "q"], "--press only works with --dump-screen"),
        (["--run", "99"], "--run 99: no such run"),
        (["--view", "graphs"], "unknown view 'graphs'"),
    ])
    func badArgumentsSayWhatIsWrong(arguments: [String], message: String) throws {
        let result = try dashboard(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }
}
