import ExitPolicies
import Testing

@testable import Dashboard

@Suite struct ReducerTests {
    @Test func everyBindingIsReachableFromItsKeysInItsViews() {
        for binding in Keymap.bindings where binding.inDialog {
            for key in binding.keys {
                #expect(Keymap.dialogAction(for: key) == binding.action, "\(key.displayName) in the new-run dialog")
            }
        }
        for binding in Keymap.bindings where !binding.inDialog {
            for view in binding.views ?? Set(DashboardView.allCases) {
                for key in binding.keys {
                    // A key may be shadowed by an earlier binding only if that one does the same thing.
                    #expect(
                        Keymap.action(for: key, in: view) == binding.action,
                        "\(key.displayName) in \(view.title) should do '\(binding.description)'")
                }
            }
        }
    }

    @Test func quitKeys() {
        #expect(reduce(loadedState(), key: .character("q")).shouldQuit)
        #expect(reduce(loadedState(), key: .controlC).shouldQuit)
    }

    @Test func helpTogglesAndSwallowsOtherKeys() {
        let open = reduce(loadedState(), key: .character("?"))
        #expect(open.showHelp)
        #expect(reduce(open, key: .tab).view == .runs)
        #expect(!reduce(open, key: .escape).showHelp)
        #expect(!reduce(open, key: .character("?")).showHelp)
    }

    @Test func viewSwitching() {
        var state = loadedState()
        for expected in [DashboardView.training, .anytime, .budget, .samples, .runs] {
            state = reduce(state, key: .tab)
            #expect(state.view == expected)
        }
        #expect(reduce(state, key: .backTab).view == .samples)
        for view in DashboardView.allCases {
            #expect(reduce(state, key: .character(Character(String(view.rawValue + 1)))).view == view)
        }
    }

    @Test func runListNavigationOverlayAndOpen() {
        var state = loadedState()
        state = reduce(state, key: .down)
        #expect(state.runCursor == 1)
        state = reduce(state, key: .character("j"))
        state = reduce(state, key: .character("j"))
        #expect(state.runCursor == 2)  // clamped to the last run
        state = reduce(state, key: .character("k"))
        #expect(state.runCursor == 1)
        state = reduce(state, key: .up)
        #expect(state.runCursor == 0)
        state = reduce(state, key: .character("G"))
        #expect(state.runCursor == 2)
        state = reduce(state, key: .character("g"))
        #expect(state.runCursor == 0)
        state = reduce(state, key: .pageDown)
        #expect(state.runCursor == 2)
        state = reduce(state, key: .end)
        state = reduce(state, key: .home)
        state = reduce(state, key: .pageUp)
        #expect(state.runCursor == 0)
        state = reduce(state, key: .character(" "))
        #expect(state.overlayRunIDs == [1])
        state = reduce(state, key: .character(" "))
        #expect(state.overlayRunIDs.isEmpty)
        state = reduce(reduce(state, key: .down), key: .enter)
        #expect(state.focusedRunID == 2 && state.view == .training)
    }

    @Test func regexFilterTypingCommitAndClear() {
        var state = reduce(loadedState(), key: .character("/"))
        #expect(state.isEditingFilter)
        for character in "msd|live" { state = reduce(state, key: .character(character)) }
        #expect(state.visibleRuns.map(\.id) == [2, 3])
        state = reduce(state, key: .backspace)
        #expect(state.runFilter == "msd|liv")
        state = reduce(state, key: .enter)
        #expect(!state.isEditingFilter && state.visibleRuns.count == 2)
        state = reduce(state, key: .escape)
        #expect(state.runFilter.isEmpty && state.visibleRuns.count == 3)
        var invalid = reduce(loadedState(), key: .character("/"))
        invalid = reduce(invalid, key: .character("("))
        #expect(invalid.visibleRuns.count == 3 && invalid.runFilterError != nil)
        #expect(render(invalid, size: Size(width: 80, height: 24)).text.contains("not a valid regex"))
        #expect(reduce(invalid, key: .backspace).runFilterError == nil)
        let cancelled = reduce(reduce(reduce(loadedState(), key: .character("/")), key: .character("x")), key: .escape)
        #expect(cancelled.runFilter.isEmpty && !cancelled.isEditingFilter)
    }

    @Test func trainingToggles() {
        var state = loadedState(view: .training)
        state = reduce(state, key: .character("s"))
        #expect(state.smoothing == .ema)
        state = reduce(state, key: .character("s"))
        #expect(state.smoothing == .movingMean)
        #expect(reduce(state, key: .character("s")).smoothing == .off)
        state = reduce(state, key: .character("w"))
        #expect(state.xAxis == .wallTime)
        #expect(reduce(state, key: .character("w")).xAxis == .steps)
        state = reduce(state, key: .character("l"))
        #expect(state.logY)
        let anytime = reduce(loadedState(view: .anytime), key: .character("l"))
        #expect(anytime.logY)
    }

    @Test func budgetSliderModeAndPolicy() throws {
        var state = loadedState(view: .budget)
        let start = try #require(state.budgetResult)
        state = reduce(state, key: .right)
        #expect(state.budget.position == 0.55)
        state = reduce(state, key: .character("l"))
        state = reduce(state, key: .character("]"))
        #expect(state.budget.position == 0.605)
        state = reduce(state, key: .character("["))
        state = reduce(state, key: .left)
        state = reduce(state, key: .character("h"))
        #expect(state.budget.position == 0.5)
        #expect(state.budgetResult == start)
        for _ in 0..<30 { state = reduce(state, key: .right) }
        #expect(state.budget.position == 1)
        let strict = try #require(state.budgetResult)
        #expect(strict.averageMFLOPs > start.averageMFLOPs)
        state = reduce(state, key: .character("m"))
        #expect(state.budget.mode == .pSchedule && state.budgetResult?.sliderLabel.hasPrefix("p ") == true)
        state = reduce(state, key: .character("m"))
        #expect(state.budget.mode == .targetMFLOPs && state.budgetResult?.sliderLabel.hasPrefix("target") == true)
        state = reduce(state, key: .character("p"))
        #expect(state.budget.policy == .entropy && state.budgetResult != nil)
        state = reduce(state, key: .character("p"))
        #expect(state.budget.policy == .margin && state.budgetResult != nil)
    }

    @Test func sampleFiltersSortAndDrillDown() {
        var state = loadedState(view: .samples)
        let all = SampleList.visible(state)
        #expect(all.count == 120)
        state = reduce(state, key: .character("e"))
        #expect(state.samples.exitFilter == 0 && SampleList.visible(state).allSatisfy { $0.exit == 0 })
        state = reduce(state, key: .character("c"))
        #expect(state.samples.correctness == .correct && SampleList.visible(state).allSatisfy(\.correct))
        state = reduce(state, key: .character("c"))
        #expect(SampleList.visible(state).allSatisfy { !$0.correct })
        state = reduce(loadedState(view: .samples), key: .character("t"))
        let detail = state.focusedDetail!
        #expect(SampleList.visible(state).allSatisfy { detail.samples[$0.offset].label == 0 })
        state = reduce(loadedState(view: .samples), key: .character("o"))
        let ascending = SampleList.visible(state)
        #expect(!state.samples.sortDescending)
        #expect(ascending.first!.confidence <= ascending.first(where: { $0.exit == ascending.first!.exit })!.confidence)
        state = reduce(state, key: .character("j"))
        #expect(state.samples.cursor == 1)
        state = reduce(state, key: .enter)
        #expect(state.samples.drillDown)
        state = reduce(state, key: .escape)
        #expect(!state.samples.drillDown)
        state = reduce(state, key: .right)
        #expect(state.budget.position == 0.55)
        state = reduce(state, key: .character("p"))
        #expect(state.budget.policy == .entropy)
    }

    @Test func escapeGoesBackToRuns() {
        #expect(reduce(loadedState(view: .anytime), key: .escape).view == .runs)
    }

    @Test func dataRefreshKeepsFocusAndDropsVanishedOverlays() {
        var state = loadedState()
        state.overlayRunIDs = [2, 99]
        state = reduce(state, .dataLoaded(FakeDataSource.standardData()))
        #expect(state.focusedRunID == 1 && state.overlayRunIDs == [2])
        #expect(reduce(state, .loadFailed("locked")).loadError == "locked")
        #expect(reduce(state, .tick(42)).now == 42)
    }
}
