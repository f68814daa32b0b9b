import Dashboard
import Foundation

/// Training runs started from the dashboard (`n`) as child processes, stopped with SIGINT (`x`) so the trainer
/// checkpoints and marks the run interrupted.
final class TrainingChildren {
    private let environment: [String: String]
    private var children: [Process] = []
    let storePath: String?

    init(environment: [String: String], storePath: String? = nil) {
        self.environment = environment
        self.storePath = storePath
    }

    /// Performs the commands and returns a status line describing what happened.
    func perform(_ commands: [DashboardCommand]) -> String {
        commands.map { command in
            switch command {
            case .startTraining(let dataset): return start(dataset: dataset)
            case .stopTraining(let runID): return stop(runID: runID)
            }
        }.joined(separator: "; ")
    }

    private func start(dataset: String) -> String {
        let ranet = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("ranet")
        guard FileManager.default.isExecutableFile(atPath: ranet.path) else {
            return "cannot start training: no ranet executable next to ranet-tui (\(ranet.path))"
        }
        let process = Process()
        process.executableURL = ranet
        process.arguments = ["train", "--dataset", dataset] + (storePath.map { ["--store", $0] } ?? [])
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-tui-train-\(getpid()).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        if let handle = try? FileHandle(forWritingTo: log) {
            process.standardOutput = handle
            process.standardError = handle
        }
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot start ranet train: \(error.localizedDescription)"
        }
        children.append(process)
        return "started ranet train --dataset \(dataset) (pid \(process.processIdentifier), log \(log.path))"
    }

    private func stop(runID: Int64) -> String {
        let running = children.filter(\.isRunning)
        guard !running.isEmpty else {
            return "run \(runID) was not started from this dashboard; stop it with Ctrl-C where it runs"
        }
        for child in running { kill(child.processIdentifier, SIGINT) }
        return "sent SIGINT to \(running.count) training process(es); they checkpoint and stop"
    }

    /// Leaves children running (they own their runs) but forgets them; training outlives the dashboard.
    func stopAll() { children.removeAll() }
}
