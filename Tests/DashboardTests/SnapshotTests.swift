import Testing

@testable import Dashboard

@Suite struct SnapshotTests {
    @Test(arguments: DashboardView.allCases, snapshotSizes)
    func eachViewMatchesItsSnapshot(view: DashboardView, size: Size) throws {
        var state = loadedState(view: view)
        if view == .anytime { state.overlayRunIDs = [2] }
        try assertSnapshot(render(state, size: size), named: "\(view.title.lowercased())-\(size.width)x\(size.height)")
    }

    @Test(arguments: snapshotSizes)
    func sampleDrillDownMatchesItsSnapshot(size: Size) throws {
        var state = loadedState(view: .samples)
        state = reduce(state, key: .enter)
        #expect(state.samples.drillDown)
        try assertSnapshot(render(state, size: size), named: "sample-detail-\(size.width)x\(size.height)")
    }

    @Test func helpOverlayMatchesItsSnapshot() throws {
        let state = reduce(loadedState(view: .training), key: .character("?"))
        try assertSnapshot(render(state, size: Size(width: 80, height: 24)), named: "help-80x24")
    }

    @Test func asciiModeUsesNoBrailleOrBlocks() throws {
        for view in DashboardView.allCases {
            let state = loadedState(view: view, options: DisplayOptions(ascii: true))
            let text = render(state, size: Size(width: 160, height: 48)).text
            let offending = text.unicodeScalars.filter { (0x2580...0x28FF).contains($0.value) }
            #expect(
                offending.isEmpty, "view \(view.title) drew \(String(String.UnicodeScalarView(offending.prefix(5))))")
        }
        let state = loadedState(view: .training, options: DisplayOptions(ascii: true))
        try assertSnapshot(render(state, size: Size(width: 80, height: 24)), named: "training-ascii-80x24")
    }

    @Test func tooSmallTerminalShowsOneLineMessage() {
        let screen = render(loadedState(view: .budget), size: Size(width: 79, height: 30))
        let lines = screen.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "ranet-tui needs at least 80x24; this terminal is 79x30")
        #expect(lines.dropFirst().allSatisfy { $0.isEmpty })
    }
}
