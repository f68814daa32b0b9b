import ExperimentRecords
import Testing

@testable import Dashboard

@Suite struct TrainingControlTests {
    let choices = TrainingChoices(
        datasets: ["fashion-mnist", "cifar10"],
        presets: ["cifar10-anytime", "cifar10-paper", "fmnist-msdnet", "fmnist-small"],
        epochs: [1, 4, 20])

    func makeState(view: DashboardView = .training) -> DashboardState {
        var state = loadedState(view: view)
        state.trainingChoices = choices
        return state
    }

    @Test func newRunDialogOpensOnTheFocusedRunsDatasetAndEditsEveryField() throws {
        var state = reduce(makeState(), key: .character("n"))
        let dialog = try #require(state.newRun)
        #expect(dialog.request(choices) == TrainingRequest(dataset: "fashion-mnist", preset: "fmnist-small", epochs: 4))
        #expect(reduce(makeState(view: .runs), key: .character("n")).newRun != nil)
        // While open, keys edit the dialog instead of switching views or quitting.
        state = reduce(state, key: .character("l"))
        // The preset follows the dataset (another input size would not train).
        #expect(
            state.newRun?.request(choices) == TrainingRequest(dataset: "cifar10", preset: "cifar10-paper", epochs: 4))
        #expect(state.view == .training)
        state = reduce(state, key: .right)  // wraps around
        #expect(state.newRun?.request(choices).dataset == "fashion-mnist")
        state = reduce(state, key: .character("h"))
        #expect(state.newRun?.request(choices).dataset == "cifar10")
        state = reduce(state, key: .down)
        #expect(state.newRun?.field == .preset)
        state = reduce(state, key: .character(" "))
        #expect(state.newRun?.request(choices).preset == "fmnist-msdnet")
        state = reduce(state, key: .character("j"))
        state = reduce(state, key: .left)
        #expect(state.newRun?.request(choices).epochs == 1)
        state = reduce(state, key: .tab)
        #expect(state.newRun?.field == .dataset)
        state = reduce(state, key: .character("k"))
        state = reduce(state, key: .up)
        #expect(state.newRun?.field == .preset)
        #expect(reduce(state, key: .character("2")).view == .training)
        #expect(!reduce(state, key: .character("q")).shouldQuit && reduce(state, key: .character("q")).newRun == nil)
        #expect(reduce(state, key: .escape).newRun == nil && reduce(state, key: .escape).pendingCommands.isEmpty)
        #expect(reduce(state, key: .controlC).shouldQuit)
        state = reduce(state, key: .enter)
        #expect(state.newRun == nil)
        let request = TrainingRequest(dataset: "cifar10", preset: "fmnist-msdnet", epochs: 1)
        #expect(state.pendingCommands == [.startTraining(request)])
        #expect(request.arguments == ["train", "--dataset", "cifar10", "--preset", "fmnist-msdnet", "--epochs", "1"])
        #expect(reduce(state, .commandsTaken).pendingCommands.isEmpty)
    }

    @Test func startedChildIsFollowedStoppedAndReported() throws {
        var state = reduce(
            makeState(), .trainingStarted(TrainingChild(pid: 4242, runName: "new one", logPath: "/tmp/t.log")))
        #expect(state.statusMessage?.contains("4242") == true)
        // The run appears in the store: the training view follows it.
        var data = FakeDataSource.standardData()
        let run = RunSummary(
            run: RunRecord(
                id: 7, name: "new one", architecture: "ranet", dataset: "cifar10", status: .running,
                epochsPlanned: 1, epochsDone: 0),
            bestLastExitAccuracy: nil, lastExitFLOPs: nil, stepCount: 0)
        data.runs.append(run)
        data.details[7] = RunDetail(run: run)
        state.view = .anytime
        state = reduce(state, .dataLoaded(data))
        #expect(state.focusedRunID == 7 && state.view == .training && state.trainingChildren.first?.runID == 7)
        #expect(state.statusMessage == "following run 7 (pid 4242); x stops it")
        // Later refreshes do not steal the focus back.
        state.focusedRunID = 1
        state = reduce(state, .dataLoaded(data))
        #expect(state.focusedRunID == 1)
        state.focusedRunID = 7
        state = reduce(state, key: .character("x"))
        #expect(state.pendingCommands == [.stopTraining(pid: 4242, runID: 7)])
        state = reduce(state, .trainingExited(pid: 4242, status: 130))
        #expect(state.statusMessage?.contains("--resume 7") == true)
        #expect(reduce(state, .trainingExited(pid: 4242, status: 1)).statusMessage?.contains("/tmp/t.log") == true)
        #expect(
            reduce(state, .trainingExited(pid: 4242, status: -9)).statusMessage?.contains("killed by signal 9") == true)
        #expect(reduce(state, .trainingExited(pid: 4242, status: 0)).statusMessage == "run 7 finished")
        #expect(reduce(state, .trainingExited(pid: 1, status: 0)).statusMessage == state.statusMessage)
        state = reduce(reduce(state, .commandsTaken), key: .character("x"))
        #expect(state.pendingCommands.isEmpty)
    }

    @Test func stopRefusesRunsNotStartedHere() {
        let finished = reduce(makeState(), key: .character("x"))
        #expect(finished.pendingCommands.isEmpty && finished.statusMessage?.contains("finished") == true)
        var live = makeState()
        live.focusedRunID = 3
        let refused = reduce(live, key: .character("x"))
        #expect(
            refused.pendingCommands.isEmpty
                && refused.statusMessage?.contains("not started from this dashboard") == true)
        #expect(reduce(live, .shellMessage("hello")).statusMessage == "hello")
        // In the Runs view x acts on the run under the cursor, not the focused one.
        var list = makeState(view: .runs)
        list.trainingChildren = [TrainingChild(pid: 99, runName: "cifar10-ranet-live", logPath: "/tmp/l", runID: 3)]
        list = reduce(reduce(reduce(list, key: .down), key: .down), key: .character("x"))
        #expect(list.focusedRunID == 1 && list.pendingCommands == [.stopTraining(pid: 99, runID: 3)])
    }

    @Test func smoothingIsComputedOnTheFullSeries() {
        let values: [Double] = [0, 10, 0, 10, 0, 10]
        #expect(slidingMean(values, window: 2) == [0, 5, 5, 5, 5, 5])
        #expect(slidingMean(values, window: 10) == [0, 5, 10.0 / 3, 5, 4, 5])
        #expect(Smoothing.off.apply(values) == values)
        #expect(Smoothing.ema.apply([0, 10]) == [0, 1])
        #expect(Smoothing.movingMean.apply(values).count == values.count)
    }

    @Test func lossChartUsesWallTimeInMinutesWhenAsked() throws {
        var state = makeState()
        let detail = try #require(state.focusedDetail)
        state.xAxis = .wallTime
        let series = TrainingView.lossSeries(state, detail)
        let first = try #require(detail.lossSeries.first)
        #expect(series.last?.xs == detail.lossSeries.last!.wallTimes.map { $0 / 60 })
        #expect(first.wallTimes.count == first.steps.count)
        let text = render(state, size: Size(width: 80, height: 24)).text
        #expect(text.contains("Loss per exit vs wall time") && text.contains("wall min"))
    }

    @Test func etaCountsDownFromWhenItWasEstimated() {
        let progress = TrainingProgress(
            epoch: 1, epochs: 2, stepInEpoch: 5, stepsPerEpoch: 10, learningRate: 0.1,
            imagesPerSecond: 100, etaSeconds: 300, etaReferenceTime: 1_000)
        #expect(remainingSeconds(progress, now: 1_060) == 240)
        #expect(remainingSeconds(progress, now: 2_000) == 0)
        #expect(remainingSeconds(progress, now: 0) == 300)
    }

    @Test(arguments: [Size(width: 80, height: 24), Size(width: 100, height: 30)])
    func newRunDialogSnapshot(size: Size) throws {
        let state = reduce(makeState(), key: .character("n"))
        try assertSnapshot(render(state, size: size), named: "new-run-\(size.width)x\(size.height)")
    }
}

@Suite struct MouseTests {
    let size = Size(width: 80, height: 24)

    @Test func clickOnATabSwitchesView() {
        let state = loadedState()
        let text = render(state, size: size).text
        let firstLine = String(text.split(separator: "\n")[0])
        let column = firstLine.distance(from: firstLine.startIndex, to: firstLine.range(of: "4 Budget")!.lowerBound)
        #expect(reduce(state, .click(x: column, y: 0, size: size)).view == .budget)
        #expect(reduce(state, .click(x: 2, y: 0, size: size)).view == .runs)
    }

    @Test func clickOnARunRowMovesTheCursorThere() {
        let state = loadedState()
        let lines = render(state, size: size).text.split(separator: "\n").map(String.init)
        let row = lines.firstIndex { $0.contains(" running ") }!
        #expect(reduce(state, .click(x: 10, y: row, size: size)).runCursor == 2)
        #expect(reduce(state, .click(x: 10, y: row + 1, size: size)).runCursor == 0, "below the last run")
        #expect(reduce(state, .click(x: 10, y: 2, size: size)).runCursor == 0, "the header row")
        #expect(reduce(state, .click(x: 10, y: row, size: Size(width: 60, height: 20))).runCursor == 0, "too small")
    }

    @Test func clickOnASampleRowSelectsThatSample() throws {
        var state = loadedState(view: .samples)
        state = reduce(state, key: .character("j"))
        let lines = render(state, size: size).text.split(separator: "\n").map(String.init)
        let rows = SampleList.visible(state)
        let detail = try #require(state.focusedDetail)
        // Pick the third sample line on screen and find which visible row it shows.
        let sampleLines = lines.indices.filter { lines[$0].hasPrefix("│ #") }
        let y = sampleLines[2]
        let shown = lines[y].dropFirst(3).prefix { $0 != " " }
        let clicked = reduce(state, .click(x: 5, y: y, size: size))
        #expect(String(detail.samples[rows[clicked.samples.cursor].offset].sampleIndex) == shown)
        let header = try #require(lines.indices.first { lines[$0].hasPrefix("│ exit ") })
        #expect(reduce(state, .click(x: 5, y: header, size: size)).samples.cursor == state.samples.cursor)
    }
}

@Suite struct StageNameTests {
    @Test func drillDownNamesRANetSubNetworksAndMSDNetBlocks() {
        var state = loadedState(view: .samples)
        state = reduce(state, key: .enter)
        #expect(render(state, size: Size(width: 100, height: 30)).text.contains("(sub-network "))
        var msdnet = loadedState(view: .runs)
        msdnet = reduce(reduce(msdnet, key: .down), key: .enter)
        msdnet = reduce(msdnet, .dataLoaded(FakeDataSource.standardData()))
        msdnet = reduce(reduce(msdnet, key: .character("5")), key: .enter)
        #expect(msdnet.focusedDetail?.run.architecture == "MSDNet")
        #expect(render(msdnet, size: Size(width: 100, height: 30)).text.contains("(block "))
    }
}
