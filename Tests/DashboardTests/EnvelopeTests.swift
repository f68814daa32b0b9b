import Testing

@testable import Dashboard

@Suite struct EnvelopeTests {
    @Test func keepsOnlyPointsNoCheaperPointBeats() {
        let best = Envelope.upper(xs: [5, 1, 3, 2, 4, 3, .nan], ys: [90, 70, 80, 65, 79, 85, 99])
        #expect(best.xs == [1, 3, 5])
        #expect(best.ys == [70, 85, 90])
    }

    @Test func oneEnvelopePerArchitectureOverTheShownRuns() {
        var state = loadedState(view: .anytime)
        state.overlayRunIDs = [2, 3]
        let runs = AnytimeView.shownRuns(state).map(\.detail)
        let envelopes = Envelope.series(over: runs)
        let architectures = Set(runs.filter { !$0.exits.isEmpty }.map(\.run.architecture))
        #expect(envelopes.count == architectures.count && envelopes.count >= 2)
        for (series, architecture) in zip(envelopes, architectures.sorted()) {
            #expect(series.label.contains("best \(architecture)"))
            #expect(zip(series.ys, series.ys.dropFirst()).allSatisfy { $0 < $1 })
            let members = runs.filter { $0.run.architecture == architecture }
            let bestAccuracy = members.flatMap { $0.exits.map(\.accuracy) + $0.budgetCurve.map(\.accuracy) }.max()
            #expect(series.ys.last == bestAccuracy.map { $0 * 100 })
        }
    }

    @Test func bTogglesTheEnvelopeInTheAnytimeAndBudgetViewsOnly() {
        for view in [DashboardView.anytime, .budget] {
            let state = reduce(loadedState(view: view), key: .character("b"))
            #expect(state.showEnvelope)
            #expect(!reduce(state, key: .character("b")).showEnvelope)
        }
        #expect(!reduce(loadedState(view: .samples), key: .character("b")).showEnvelope)
    }

    @Test func theEnvelopeIsDrawnWithItsLegend() throws {
        var state = loadedState(view: .anytime)
        state.overlayRunIDs = [2]
        let size = Size(width: 160, height: 48)
        #expect(!render(state, size: size).text.contains("best RANet"))
        state = reduce(state, key: .character("b"))
        try assertSnapshot(render(state, size: size), named: "anytime-envelope-160x48")
        state = reduce(reduce(state, .showView(.budget)), .showView(.budget))
        let budget = render(state, size: size).text
        #expect(budget.contains("best RANet") && budget.contains("best MSDNet"))
    }

    /// Without colour the runs stay apart: the overlaid run's exits carry its letter, the legend and the table key
    /// it, and only the focused run keeps its exit numbers and its budget curve.
    @Test func overlaidRunsAreMarkedWithTheirLetterNotExitNumbers() {
        var state = loadedState(view: .anytime, options: DisplayOptions(ascii: true, monochrome: true))
        state.overlayRunIDs = [2]
        let series = AnytimeView.series(AnytimeView.shownRuns(state), envelopes: [])
        let overlaid = series.filter { $0.label == "fmnist-msdnet" }
        #expect(overlaid.count == 1 && overlaid.first?.markers?.allSatisfy { $0 == "a" } == true)
        #expect(series.filter { $0.color == .muted }.count == 1, "only the focused run's budget curve")
        let text = render(state, size: Size(width: 120, height: 30)).text
        #expect(text.contains("a fmnist-msdnet") && text.contains("1-6 fmnist-ranet"), "\(text)")
    }

    @Test func overlayingAllRunsOnLoadSelectsEveryRunOnce() throws {
        var state = DashboardState(view: .anytime)
        state.overlaysAllRunsOnLoad = true
        let data = try FakeDataSource().snapshot(detailsFor: [])
        state = reduce(state, .dataLoaded(data))
        #expect(state.overlayRunIDs == Set(data.runs.map(\.id)) && !state.overlayRunIDs.isEmpty)
        #expect(!state.overlaysAllRunsOnLoad)
        state.overlayRunIDs = []
        state = reduce(state, .dataLoaded(data))
        #expect(state.overlayRunIDs.isEmpty)
    }
}
