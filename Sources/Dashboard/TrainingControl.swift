/// A training process the dashboard started.
public struct TrainingChild: Hashable, Sendable {
    public var pid: Int32
    /// The run name passed with --name, used to find the run in the store.
    public var runName: String
    public var logPath: String
    /// The store's id of the run, once it shows up.
    public var runID: Int64?
    /// Exit status once the process ended.
    public var exitStatus: Int32?
    /// Creates a record of a started child.
    public init(pid: Int32, runName: String, logPath: String, runID: Int64? = nil, exitStatus: Int32? = nil) {
        self.pid = pid
        self.runName = runName
        self.logPath = logPath
        self.runID = runID
        self.exitStatus = exitStatus
    }
}

extension DashboardState {
    /// Stops the run under the cursor (Runs view) or the focused run (Training view) if this dashboard started it.
    mutating func requestStop() {
        let runs = visibleRuns
        let target =
            view == .runs && runs.indices.contains(runCursor)
            ? runs[runCursor]
            : focusedDetail?.run ?? data?.runs.first(where: { $0.id == focusedRunID })
        guard let run = target else {
            statusMessage = "no run selected"
            return
        }
        if let child = trainingChildren.first(where: { $0.runID == run.id && $0.exitStatus == nil }) {
            pendingCommands.append(.stopTraining(pid: child.pid, runID: run.id))
            statusMessage = "stopping run \(run.id) (SIGINT to pid \(child.pid)); it checkpoints and stops…"
        } else if run.status == .running {
            statusMessage = "run \(run.id) was not started from this dashboard; stop it with Ctrl-C where it runs"
        } else {
            statusMessage = "run \(run.id) is \(run.status.rawValue): no live run to stop"
        }
    }

    mutating func childStarted(_ child: TrainingChild) {
        trainingChildren.append(child)
        statusMessage = "started ranet train as pid \(child.pid) (log \(child.logPath)); waiting for its run…"
    }

    mutating func childExited(pid: Int32, status: Int32) {
        guard let index = trainingChildren.firstIndex(where: { $0.pid == pid }) else { return }
        trainingChildren[index].exitStatus = status
        let child = trainingChildren[index]
        let run = child.runID.map { "run \($0)" } ?? "training pid \(pid)"
        statusMessage =
            switch status {
            case 0: "\(run) finished"
            // ranet train exits 130 after a SIGINT it handled: checkpoint written, run marked interrupted.
            case 130:
                "\(run) stopped: checkpoint written, resume with ranet train --resume \(child.runID.map(String.init) ?? "ID")"
            case ..<0: "\(run) killed by signal \(-status) before it could checkpoint; see \(child.logPath)"
            default: "\(run) exited with status \(status); see \(child.logPath)"
            }
    }

    /// Gives started children their run ids once the runs appear, and focuses the newest such run.
    mutating func adoptChildRuns(_ newData: DashboardData) {
        for index in trainingChildren.indices where trainingChildren[index].runID == nil {
            guard
                let run = newData.runs.filter({ $0.name == trainingChildren[index].runName }).max(by: { $0.id < $1.id })
            else { continue }
            trainingChildren[index].runID = run.id
            statusMessage = "following run \(run.id) (pid \(trainingChildren[index].pid)); x stops it"
            focusedRunID = run.id
            view = .training
            samples = SamplesSettings()
        }
    }
}
