import ExitPolicies
import ExperimentRecords
import Foundation

/// The five views of the dashboard, in tab order.
public enum DashboardView: Int, CaseIterable, Hashable, Sendable {
    case runs, training, anytime, budget, samples

    /// Name shown in the tab bar and accepted by `--view`.
    public var title: String {
        switch self {
        case .runs: "Runs"
        case .training: "Training"
        case .anytime: "Anytime"
        case .budget: "Budget"
        case .samples: "Samples"
        }
    }

    /// Parses a `--view` argument (case-insensitive title).
    public init?(name: String) {
        guard let match = DashboardView.allCases.first(where: { $0.title.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = match
    }
}

/// How the budget slider is interpreted.
public enum BudgetMode: Int, CaseIterable, Hashable, Sendable {
    case globalThreshold, pSchedule, targetMFLOPs
    /// Label in the budget view.
    public var title: String {
        switch self {
        case .globalThreshold: "global threshold"
        case .pSchedule: "p-schedule"
        case .targetMFLOPs: "target MFLOPs"
        }
    }
}

/// Filter on whether the prediction at the sample's exit is right.
public enum CorrectnessFilter: Int, CaseIterable, Hashable, Sendable {
    case all, correct, wrong
    /// Label in the samples view.
    public var title: String {
        switch self {
        case .all: "all"
        case .correct: "correct"
        case .wrong: "wrong"
        }
    }
}

/// Settings of the budget view.
public struct BudgetSettings: Hashable, Sendable {
    public var mode: BudgetMode = .globalThreshold
    public var policy: ExitPolicy = .maxProb
    /// Slider position in [0, 1]; its meaning depends on the mode.
    public var position: Double = 0.5
    /// Creates default settings.
    public init() {}
}

/// Settings and cursor of the samples view.
public struct SamplesSettings: Hashable, Sendable {
    /// Show only samples leaving at this exit.
    public var exitFilter: Int?
    public var correctness: CorrectnessFilter = .all
    /// Show only samples of this class.
    public var classFilter: Int?
    /// Most confident first when true.
    public var sortDescending = true
    public var cursor = 0
    /// Whether the drill-down of the sample under the cursor is open.
    public var drillDown = false
    /// Creates default settings.
    public init() {}
}

/// Presentation switches fixed at start-up.
public struct DisplayOptions: Hashable, Sendable {
    /// Avoid braille and block characters.
    public var ascii = false
    /// The terminal shows no colours: draw images with characters, rely on attributes.
    public var monochrome = false
    /// Creates options.
    public init(ascii: Bool = false, monochrome: Bool = false) {
        self.ascii = ascii
        self.monochrome = monochrome
    }
}

/// Something the shell around the pure dashboard must do.
public enum DashboardCommand: Hashable, Sendable {
    /// Start `ranet train` as a child process; the shell answers with `.trainingStarted` or `.shellMessage`.
    case startTraining(TrainingRequest)
    /// Send SIGINT to a child the dashboard started (the trainer checkpoints and marks the run interrupted).
    case stopTraining(pid: Int32, runID: Int64)
}

/// The whole dashboard state; a value, changed only by `reduce`.
public struct DashboardState: Sendable {
    public var view: DashboardView = .runs
    public var data: DashboardData?
    public var loadError: String?
    /// The run the single-run views show.
    public var focusedRunID: Int64?
    /// Runs overlaid in the plots (Space in the runs view).
    public var overlayRunIDs: Set<Int64> = []
    public var runCursor = 0
    public var runFilter = ""
    public var isEditingFilter = false
    public var smoothing = Smoothing.off
    public var xAxis = TrainingXAxis.steps
    public var logY = false
    /// Whether the anytime and budget plots add, per architecture, the best accuracy any shown run reaches at each
    /// cost (the upper envelope).
    public var showEnvelope = false
    /// Overlay every run once the run list arrives (the bundled sample data opens as a comparison).
    public var overlaysAllRunsOnLoad = false
    /// The new-run chooser, while it is open.
    public var newRun: NewRunDialog?
    /// What the chooser offers.
    public var trainingChoices = TrainingChoices()
    /// Training processes started from this dashboard.
    public var trainingChildren: [TrainingChild] = []
    public var budget = BudgetSettings()
    /// Exact result of the budget settings on the focused run's samples, recomputed by the reducer.
    public var budgetResult: BudgetResult?
    /// Why the budget could not be computed (e.g. margins not stored), shown instead of the result.
    public var budgetError: String?
    /// The focused run's records prepared for the current policy.
    var budgetEngine: BudgetEngine?
    public var samples = SamplesSettings()
    public var showHelp = false
    public var options = DisplayOptions()
    /// Seconds since the epoch, passed in with `.tick`.
    public var now: Double = 0
    public var shouldQuit = false
    public var statusMessage: String?
    /// Effects waiting for the shell; it clears them with `.commandsTaken`.
    public var pendingCommands: [DashboardCommand] = []

    /// Creates a state.
    public init(
        view: DashboardView = .runs, focusedRunID: Int64? = nil, options: DisplayOptions = DisplayOptions(),
        trainingChoices: TrainingChoices = TrainingChoices()
    ) {
        self.view = view
        self.focusedRunID = focusedRunID
        self.options = options
        self.trainingChoices = trainingChoices
    }

    /// The detail of the focused run, when loaded.
    public var focusedDetail: RunDetail? {
        guard let id = focusedRunID else { return nil }
        return data?.details[id]
    }

    /// Runs whose details the data source should load: the focused one and the overlays.
    public var requestedRunIDs: Set<Int64> {
        var ids = overlayRunIDs
        if let focusedRunID { ids.insert(focusedRunID) }
        return ids
    }

    /// Why the filter is not a valid regex (then every run is shown), nil when it is valid or empty.
    public var runFilterError: String? {
        guard !runFilter.isEmpty else { return nil }
        return (try? NSRegularExpression(pattern: runFilter)) == nil ? "not a valid regex: showing every run" : nil
    }

    /// Runs matching the filter regex (all when it is empty or invalid).
    public var visibleRuns: [RunSummary] {
        let runs = data?.runs ?? []
        guard !runFilter.isEmpty, let regex = try? NSRegularExpression(pattern: runFilter, options: [.caseInsensitive])
        else { return runs }
        return runs.filter { run in
            let text = "\(run.id) \(run.name) \(run.status.rawValue) \(run.dataset) \(run.architecture)"
            return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }
}
