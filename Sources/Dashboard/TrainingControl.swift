/// How the training loss curves are smoothed (`s` cycles); always computed on the full series.
public enum Smoothing: Int, CaseIterable, Hashable, Sendable {
    case off, ema, movingMean
    /// Label in the chart title and the progress panel.
    public var title: String {
        switch self {
        case .off: "off"
        case .ema: "EMA 0.1"
        case .movingMean: "mean of 10"
        }
    }

    /// The smoothed series (same length as `values`).
    func apply(_ values: [Double]) -> [Double] {
        switch self {
        case .off: values
        case .ema: exponentialMovingAverage(values, alpha: 0.1)
        case .movingMean: slidingMean(values, window: 10)
        }
    }
}

/// The x axis of the training loss chart (`w` toggles).
public enum TrainingXAxis: Int, CaseIterable, Hashable, Sendable {
    case steps, wallTime
    /// Axis unit label.
    public var title: String {
        switch self {
        case .steps: "step"
        case .wallTime: "wall min"
        }
    }
}

/// What the new-run dialog offers; the shell fills in the presets the engine knows.
public struct TrainingChoices: Hashable, Sendable {
    public var datasets: [String]
    public var presets: [String]
    public var epochs: [Int]
    /// Creates the choices; each list must not be empty.
    public init(
        datasets: [String] = ["fashion-mnist", "mnist", "cifar10", "cifar100"],
        presets: [String] = ["fmnist-small", "fmnist-msdnet"], epochs: [Int] = [1, 2, 4, 10, 20, 50]
    ) {
        self.datasets = datasets.isEmpty ? ["fashion-mnist"] : datasets
        self.presets = presets.isEmpty ? ["fmnist-small"] : presets
        self.epochs = epochs.isEmpty ? [1] : epochs
    }
}

/// A `ranet train` to start.
public struct TrainingRequest: Hashable, Sendable {
    public var dataset: String
    public var preset: String
    public var epochs: Int
    /// Creates a request.
    public init(dataset: String, preset: String, epochs: Int) {
        self.dataset = dataset
        self.preset = preset
        self.epochs = epochs
    }
    /// The arguments of `ranet` (without the store and the run name the shell adds).
    public var arguments: [String] {
        ["train", "--dataset", dataset, "--preset", preset, "--epochs", String(epochs)]
    }
}

/// The new-run chooser opened with `n`: one row per field, left/right changes the value.
public struct NewRunDialog: Hashable, Sendable {
    public enum Field: Int, CaseIterable, Hashable, Sendable {
        case dataset, preset, epochs
        /// Row label.
        public var title: String {
            switch self {
            case .dataset: "dataset"
            case .preset: "preset"
            case .epochs: "epochs"
            }
        }
    }
    public var field: Field = .dataset
    public var datasetIndex = 0
    public var presetIndex = 0
    public var epochsIndex = 0

    /// Opens on the focused run's dataset when it is offered, and on a preset that fits it.
    init(choices: TrainingChoices, dataset: String?) {
        datasetIndex = dataset.flatMap { name in choices.datasets.firstIndex { $0 == name.lowercased() } } ?? 0
        presetIndex = NewRunDialog.defaultPreset(for: choices.datasets[datasetIndex], choices)
        epochsIndex = choices.epochs.firstIndex(of: 4) ?? 0
    }

    /// The preset `ranet train` would pick for a dataset: fmnist-small for (Fashion-)MNIST, DATASET-paper for CIFAR,
    /// else the first whose name starts like the dataset.
    static func defaultPreset(for dataset: String, _ choices: TrainingChoices) -> Int {
        let family = dataset.contains("mnist") ? "fmnist" : dataset
        let preferred = family == "fmnist" ? "fmnist-small" : dataset + "-paper"
        return choices.presets.firstIndex(of: preferred) ?? choices.presets.firstIndex { $0.hasPrefix(family) } ?? 0
    }

    /// The request the current choices describe.
    func request(_ choices: TrainingChoices) -> TrainingRequest {
        TrainingRequest(
            dataset: choices.datasets[datasetIndex], preset: choices.presets[presetIndex],
            epochs: choices.epochs[epochsIndex])
    }

    mutating func change(by delta: Int, _ choices: TrainingChoices) {
        func step(_ index: Int, _ count: Int) -> Int { ((index + delta) % count + count) % count }
        switch field {
        case .dataset:
            datasetIndex = step(datasetIndex, choices.datasets.count)
            // A preset for another input size would fail at start: follow the dataset.
            presetIndex = NewRunDialog.defaultPreset(for: choices.datasets[datasetIndex], choices)
        case .preset: presetIndex = step(presetIndex, choices.presets.count)
        case .epochs: epochsIndex = step(epochsIndex, choices.epochs.count)
        }
    }
}

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

/// Moving mean over the last `window` values (fewer at the start), computed in one pass.
func slidingMean(_ values: [Double], window: Int) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(values.count)
    var sum = 0.0
    for (index, value) in values.enumerated() {
        sum += value
        if index >= window { sum -= values[index - window] }
        result.append(sum / Double(min(index + 1, window)))
    }
    return result
}

extension DashboardState {
    mutating func openNewRunDialog() {
        newRun = NewRunDialog(choices: trainingChoices, dataset: focusedDetail?.run.dataset)
    }

    mutating func applyDialogAction(_ action: Action) {
        guard var dialog = newRun else { return }
        switch action {
        case .moveUp: dialog.field = NewRunDialog.Field(rawValue: (dialog.field.rawValue + 2) % 3)!
        case .moveDown: dialog.field = NewRunDialog.Field(rawValue: (dialog.field.rawValue + 1) % 3)!
        case .sliderCoarse(let steps): dialog.change(by: steps, trainingChoices)
        case .confirmNewRun:
            let request = dialog.request(trainingChoices)
            pendingCommands.append(.startTraining(request))
            statusMessage = "starting ranet " + request.arguments.joined(separator: " ") + "…"
            newRun = nil
            return
        case .back:
            newRun = nil
            return
        default: break
        }
        newRun = dialog
    }

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
