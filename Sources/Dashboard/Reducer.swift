import ExitPolicies

/// Rows a page-up/page-down moves.
let pageRows = 10

/// Slider move of one coarse step (arrow keys): twenty presses cross the whole slider.
let coarseSliderStep = 0.05
/// Slider move of one fine step ([ and ]): a tenth of a coarse step, the finest position kept (three decimals).
let fineSliderStep = 0.005

/// Applies a key press: text entry while the filter is being edited, the keymap otherwise.
public func reduce(_ state: DashboardState, key: Key) -> DashboardState {
    if state.isEditingFilter {
        switch key {
        case .enter: return reduce(state, .filterCommit)
        case .escape: return reduce(state, .filterCancel)
        case .backspace: return reduce(state, .filterBackspace)
        case .controlC: return reduce(state, .quit)
        case .character(let character): return reduce(state, .filterInput(character))
        default: return state
        }
    }
    if state.newRun != nil {
        if key == .controlC { return reduce(state, .quit) }
        guard let action = Keymap.dialogAction(for: key) else { return state }
        var next = state
        next.applyDialogAction(action)
        return next
    }
    if state.showHelp, key != .character("?"), key != .character("q"), key != .controlC {
        return key == .escape ? reduce(state, .toggleHelp) : state
    }
    guard let action = Keymap.action(for: key, in: state.view) else { return state }
    return reduce(state, action)
}

/// The dashboard's one state transition.
public func reduce(_ state: DashboardState, _ action: Action) -> DashboardState {
    var next = state
    switch action {
    case .quit: next.shouldQuit = true
    case .toggleHelp: next.showHelp.toggle()
    case .back: next.goBack()
    case .nextView: next.view = DashboardView(rawValue: (state.view.rawValue + 1) % 5) ?? .runs
    case .previousView: next.view = DashboardView(rawValue: (state.view.rawValue + 4) % 5) ?? .runs
    case .showView(let view): next.view = view
    case .moveUp: next.moveCursor(by: -1)
    case .moveDown: next.moveCursor(by: 1)
    case .pageUp: next.moveCursor(by: -pageRows)
    case .pageDown: next.moveCursor(by: pageRows)
    case .top: next.moveCursor(by: -Int.max / 2)
    case .bottom: next.moveCursor(by: Int.max / 2)
    case .startFilter: next.isEditingFilter = true
    case .toggleOverlay: next.toggleOverlayUnderCursor()
    case .open: next.openUnderCursor()
    case .cycleSmoothing:
        next.smoothing = Smoothing(rawValue: (state.smoothing.rawValue + 1) % Smoothing.allCases.count)!
    case .toggleXAxis: next.xAxis = state.xAxis == .steps ? .wallTime : .steps
    case .toggleLogY: next.logY.toggle()
    case .toggleEnvelope: next.showEnvelope.toggle()
    case .sliderCoarse(let steps): next.moveSlider(by: Double(steps) * coarseSliderStep)
    case .sliderFine(let steps): next.moveSlider(by: Double(steps) * fineSliderStep)
    case .cycleBudgetMode:
        next.budget.mode = BudgetMode(rawValue: (state.budget.mode.rawValue + 1) % BudgetMode.allCases.count)!
        next.recomputeBudget()
    case .cyclePolicy:
        let policies = ExitPolicy.allCases
        next.budget.policy = policies[((policies.firstIndex(of: state.budget.policy) ?? 0) + 1) % policies.count]
        next.recomputeBudget()
    case .cycleExitFilter, .cycleCorrectnessFilter, .cycleClassFilter, .toggleSortOrder:
        next.applySampleFilterAction(action)
    case .startTraining: next.openNewRunDialog()
    case .stopTraining: next.requestStop()
    case .confirmNewRun: next.applyDialogAction(action)
    case .click(let x, let y, let size): next.click(x: x, y: y, size: size)
    case .trainingStarted(let child): next.childStarted(child)
    case .shellMessage(let message): next.statusMessage = message
    case .trainingExited(let pid, let status): next.childExited(pid: pid, status: status)
    case .filterInput(let character):
        next.runFilter.append(character)
        next.clampCursors()
    case .filterBackspace:
        if !next.runFilter.isEmpty { next.runFilter.removeLast() }
        next.clampCursors()
    case .filterCommit: next.isEditingFilter = false
    case .filterCancel:
        next.isEditingFilter = false
        next.runFilter = ""
        next.clampCursors()
    case .dataLoaded(let data): next.load(data)
    case .loadFailed(let message): next.loadError = message
    case .tick(let now): next.now = now
    case .commandsTaken: next.pendingCommands = []
    }
    return next
}

extension DashboardState {
    mutating func goBack() {
        if showHelp {
            showHelp = false
        } else if samples.drillDown {
            samples.drillDown = false
        } else if !runFilter.isEmpty {
            runFilter = ""
            clampCursors()
        } else if view != .runs {
            view = .runs
        }
    }

    /// A click on a tab switches to it; on a run or sample row it moves the cursor there (overlays stay put).
    mutating func click(x: Int, y: Int, size: Size) {
        guard size.width >= minimumSize.width, size.height >= minimumSize.height, !showHelp, newRun == nil,
            !isEditingFilter
        else { return }
        if y == 0, let tab = tabColumns().first(where: { $0.range.contains(x) }) {
            view = tab.view
            return
        }
        switch view {
        case .runs: if let index = RunsView.run(atRow: y, self, rect: bodyRect(size)) { runCursor = index }
        case .samples where !samples.drillDown:
            if let index = SamplesView.sample(atRow: y, self, rect: bodyRect(size)) { samples.cursor = index }
        default: break
        }
    }

    mutating func moveCursor(by delta: Int) {
        switch view {
        case .runs: runCursor = clamp(runCursor.addingReportingOverflow(delta).partialValue, count: visibleRuns.count)
        case .samples:
            let count = SampleList.visible(self).count
            samples.cursor = clamp(samples.cursor.addingReportingOverflow(delta).partialValue, count: count)
        default: break
        }
    }

    mutating func clampCursors() {
        runCursor = clamp(runCursor, count: visibleRuns.count)
        samples.cursor = clamp(samples.cursor, count: SampleList.visible(self).count)
    }

    func clamp(_ value: Int, count: Int) -> Int { max(0, min(value, count - 1)) }

    mutating func toggleOverlayUnderCursor() {
        let runs = visibleRuns
        guard runs.indices.contains(runCursor) else { return }
        let id = runs[runCursor].id
        if overlayRunIDs.contains(id) { overlayRunIDs.remove(id) } else { overlayRunIDs.insert(id) }
    }

    mutating func openUnderCursor() {
        if view == .samples {
            samples.drillDown = SampleList.visible(self).isEmpty ? false : !samples.drillDown
            return
        }
        let runs = visibleRuns
        guard runs.indices.contains(runCursor) else { return }
        focusedRunID = runs[runCursor].id
        view = .training
        samples = SamplesSettings()
        recomputeBudget()
    }

    mutating func moveSlider(by delta: Double) {
        budget.position = min(1, max(0, ((budget.position + delta) * 1000).rounded() / 1000))
        recomputeBudget()
    }

    mutating func applySampleFilterAction(_ action: Action) {
        let exitCount = focusedDetail?.exits.count ?? 0
        let classCount = focusedDetail?.classNames.count ?? 0
        switch action {
        case .cycleExitFilter: samples.exitFilter = cycle(samples.exitFilter, count: exitCount)
        case .cycleCorrectnessFilter:
            samples.correctness = CorrectnessFilter(rawValue: (samples.correctness.rawValue + 1) % 3)!
        case .cycleClassFilter: samples.classFilter = cycle(samples.classFilter, count: classCount)
        default: samples.sortDescending.toggle()
        }
        samples.cursor = 0
        samples.drillDown = false
    }

    /// nil -> 0 -> 1 ... -> count-1 -> nil.
    func cycle(_ value: Int?, count: Int) -> Int? {
        guard count > 0 else { return nil }
        guard let value else { return 0 }
        return value + 1 < count ? value + 1 : nil
    }

    mutating func load(_ newData: DashboardData) {
        let oldDetail = focusedDetail
        data = newData
        loadError = nil
        adoptChildRuns(newData)
        if overlaysAllRunsOnLoad, !newData.runs.isEmpty {
            overlayRunIDs = Set(newData.runs.map(\.id))
            overlaysAllRunsOnLoad = false
        }
        if focusedRunID == nil || !newData.runs.contains(where: { $0.id == focusedRunID }) {
            focusedRunID = newData.runs.first?.id
        }
        overlayRunIDs = overlayRunIDs.filter { id in newData.runs.contains { $0.id == id } }
        if focusedDetail != oldDetail { recomputeBudget(dataChanged: true) }
        clampCursors()
    }

    /// Rebuilds the engine when the run or policy changed, then re-simulates the current settings exactly.
    mutating func recomputeBudget(dataChanged: Bool = false) {
        budgetResult = nil
        budgetError = nil
        guard let detail = focusedDetail, !detail.exits.isEmpty, !detail.samples.isEmpty else {
            budgetEngine = nil
            return
        }
        do {
            if dataChanged || budgetEngine?.runID != detail.run.id || budgetEngine?.policy != budget.policy {
                budgetEngine = nil
                budgetEngine = try BudgetEngine(detail: detail, policy: budget.policy)
            }
            budgetResult = try budgetEngine?.evaluate(budget)
        } catch {
            budgetError = error.description
        }
    }
}
