/// A key press, independent of the terminal library.
public enum Key: Hashable, Sendable {
    case character(Character)
    case tab, backTab, enter, escape, backspace
    case up, down, left, right, pageUp, pageDown, home, end
    case controlC

    /// How the help overlay writes the key.
    public var displayName: String {
        switch self {
        case .character(" "): "Space"
        case .character(let character): String(character)
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Bksp"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .controlC: "C-c"
        }
    }
}

/// Everything that can change the dashboard state.
public enum Action: Hashable, Sendable {
    case quit, toggleHelp, back, nextView, previousView
    case showView(DashboardView)
    case moveUp, moveDown, pageUp, pageDown, top, bottom
    case startFilter, toggleOverlay, open
    case cycleSmoothing, toggleXAxis, toggleLogY, toggleEnvelope
    /// Moves the budget slider by this many coarse (5 %) steps.
    case sliderCoarse(Int)
    /// Moves the budget slider by this many fine (0.5 %) steps.
    case sliderFine(Int)
    case cycleBudgetMode, cyclePolicy
    case cycleExitFilter, cycleCorrectnessFilter, cycleClassFilter, toggleSortOrder
    case startTraining, stopTraining
    /// Starts the run chosen in the new-run dialog.
    case confirmNewRun
    // Not bound to keys: text entry, data, time and what the shell reports back.
    case filterInput(Character)
    case filterBackspace, filterCommit, filterCancel
    case dataLoaded(DashboardData)
    case loadFailed(String)
    /// The current time in seconds since the epoch.
    case tick(Double)
    /// The shell has taken `pendingCommands`.
    case commandsTaken
    /// The shell started a training child.
    case trainingStarted(TrainingChild)
    /// Something the shell reports for the status line (a child could not start, a stop was sent, ...).
    case shellMessage(String)
    /// A mouse click at a cell of a screen of `size`: selects the row (or tab) under it.
    case click(x: Int, y: Int, size: Size)
    /// A training child ended with this exit status (minus the signal number when a signal killed it).
    case trainingExited(pid: Int32, status: Int32)
}

/// Groups of bindings in the help overlay.
public enum KeyCategory: String, CaseIterable, Hashable, Sendable {
    case general = "General"
    case navigation = "Navigation"
    case runs = "Runs"
    case training = "Training"
    case budget = "Budget"
    case samples = "Samples"
    case newRun = "New run dialog (n)"
}

/// One row of the keymap: keys, what they do, and in which views.
public struct KeyBinding: Hashable, Sendable {
    public var keys: [Key]
    public var action: Action
    public var description: String
    public var category: KeyCategory
    /// Views where the binding applies; nil means everywhere.
    public var views: Set<DashboardView>?
    /// Applies only while the new-run dialog is open (which then takes every key).
    public var inDialog: Bool
    /// Creates a binding.
    public init(
        _ keys: [Key], _ action: Action, _ description: String, _ category: KeyCategory,
        views: Set<DashboardView>? = nil, inDialog: Bool = false
    ) {
        self.keys = keys
        self.action = action
        self.description = description
        self.category = category
        self.views = views
        self.inDialog = inDialog
    }
}

/// The one keymap table; the help overlay and the key dispatch both read it.
public enum Keymap {
    /// All bindings, in help order.
    public static let bindings: [KeyBinding] = general + navigation + viewSpecific + dialog

    static let general: [KeyBinding] =
        [
            KeyBinding([.character("q"), .controlC], .quit, "quit", .general),
            KeyBinding([.character("?")], .toggleHelp, "toggle this help", .general),
            KeyBinding([.escape], .back, "close, back, unfilter", .general),
            KeyBinding([.tab], .nextView, "next view", .general),
            KeyBinding([.backTab], .previousView, "previous view", .general),
        ]
        + DashboardView.allCases.map { view in
            KeyBinding([.character(Character(String(view.rawValue + 1)))], .showView(view), "jump to a view", .general)
        }

    static let listViews: Set<DashboardView> = [.runs, .samples]
    static let navigation: [KeyBinding] = [
        KeyBinding([.up, .character("k")], .moveUp, "move up / down", .navigation, views: listViews),
        KeyBinding([.down, .character("j")], .moveDown, "move up / down", .navigation, views: listViews),
        KeyBinding([.pageUp], .pageUp, "page up / down", .navigation, views: listViews),
        KeyBinding([.pageDown], .pageDown, "page up / down", .navigation, views: listViews),
        KeyBinding([.character("g"), .home], .top, "top / bottom of list", .navigation, views: listViews),
        KeyBinding([.character("G"), .end], .bottom, "top / bottom of list", .navigation, views: listViews),
    ]

    static let viewSpecific: [KeyBinding] = [
        KeyBinding([.character("/")], .startFilter, "regex filter on runs", .runs, views: [.runs]),
        KeyBinding([.character(" ")], .toggleOverlay, "select run to overlay", .runs, views: [.runs]),
        KeyBinding([.enter], .open, "open run", .runs, views: [.runs]),
        KeyBinding([.character("s")], .cycleSmoothing, "smoothing off/EMA/mean", .training, views: [.training]),
        KeyBinding([.character("w")], .toggleXAxis, "x axis step/wall time", .training, views: [.training]),
        KeyBinding([.character("l")], .toggleLogY, "log-y on/off", .training, views: [.training, .anytime]),
        KeyBinding(
            [.character("b")], .toggleEnvelope, "best per budget on/off", .budget, views: [.anytime, .budget]),
        KeyBinding([.character("n")], .startTraining, "new training run…", .training, views: [.training, .runs]),
        KeyBinding([.character("x")], .stopTraining, "stop run started here", .training, views: [.training, .runs]),
        KeyBinding(
            [.left, .character("h")], .sliderCoarse(-1), "slider left / right", .budget, views: [.budget, .samples]),
        KeyBinding(
            [.right, .character("l")], .sliderCoarse(1), "slider left / right", .budget, views: [.budget, .samples]),
        KeyBinding([.character("[")], .sliderFine(-1), "slider fine steps", .budget, views: [.budget, .samples]),
        KeyBinding([.character("]")], .sliderFine(1), "slider fine steps", .budget, views: [.budget, .samples]),
        KeyBinding(
            [.character("m")], .cycleBudgetMode, "next budget mode", .budget,
            views: [.budget]),
        KeyBinding(
            [.character("p")], .cyclePolicy, "next exit policy", .budget,
            views: [.budget, .samples]),
        KeyBinding([.character("e")], .cycleExitFilter, "filter by exit", .samples, views: [.samples]),
        KeyBinding([.character("c")], .cycleCorrectnessFilter, "filter correct/wrong", .samples, views: [.samples]),
        KeyBinding([.character("t")], .cycleClassFilter, "filter by class", .samples, views: [.samples]),
        KeyBinding([.character("o")], .toggleSortOrder, "confidence sort up/down", .samples, views: [.samples]),
        KeyBinding([.enter], .open, "open / close sample", .samples, views: [.samples]),
    ]

    static let dialog: [KeyBinding] = [
        KeyBinding([.up, .character("k")], .moveUp, "field up / down", .newRun, inDialog: true),
        KeyBinding([.down, .character("j"), .tab], .moveDown, "field up / down", .newRun, inDialog: true),
        KeyBinding([.left, .character("h")], .sliderCoarse(-1), "value left / right", .newRun, inDialog: true),
        KeyBinding(
            [.right, .character("l"), .character(" ")], .sliderCoarse(1), "value left / right", .newRun, inDialog: true),
        KeyBinding([.enter], .confirmNewRun, "start ranet train", .newRun, inDialog: true),
        KeyBinding([.escape, .character("q")], .back, "cancel", .newRun, inDialog: true),
    ]

    /// The action bound to `key` in `view`, if any (first match wins).
    public static func action(for key: Key, in view: DashboardView) -> Action? {
        bindings.first { !$0.inDialog && $0.keys.contains(key) && ($0.views?.contains(view) ?? true) }?.action
    }

    /// The action bound to `key` while the new-run dialog is open.
    public static func dialogAction(for key: Key) -> Action? {
        bindings.first { $0.inDialog && $0.keys.contains(key) }?.action
    }
}
