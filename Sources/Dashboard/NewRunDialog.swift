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
}
