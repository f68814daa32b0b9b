import ExperimentRecords
import Foundation

/// View 3: accuracy against cumulative MFLOPs of every exit, for the focused run and the overlaid ones.
enum AnytimeView {
    static let overlayColors: [ColorRole] = [.good, .hard, .easy, .bad]
    /// A run the view draws: its colour, and the letter its exits are marked with (nil: the focused run's numbers).
    typealias ShownRun = (detail: RunDetail, color: ColorRole, marker: Character?)

    static func draw(_ state: DashboardState, into screen: inout Screen, rect: Rect) {
        let ascii = state.options.ascii
        let tableWidth = min(46, max(34, rect.width / 3))
        let (left, right) = rect.splitColumns(leftWidth: rect.width - tableWidth)
        let chartArea = drawPanel(
            "Accuracy (%) vs cumulative MFLOPs" + (state.logY ? "  [log y]" : ""),
            into: &screen, rect: left, ascii: ascii)
        let runs = shownRuns(state)
        let envelopes = envelopes(state, over: runs)
        LineChart.draw(
            series(runs, envelopes: envelopes), style: ChartStyle(xLabel: "MFLOPs", logY: state.logY, ascii: ascii),
            into: &screen, rect: chartArea)
        let tableArea = drawPanel("Exits", into: &screen, rect: right, ascii: ascii)
        drawTable(state, runs: runs, envelopes: envelopes, into: &screen, rect: tableArea)
    }

    /// The runs to show, focused run last so it is drawn on top. Each overlaid run marks its exits with a letter of
    /// its own (the focused run with exit numbers), so the runs stay apart without colour.
    static func shownRuns(_ state: DashboardState) -> [ShownRun] {
        let overlaid = state.overlayRunIDs.sorted().filter { $0 != state.focusedRunID }
            .compactMap { state.data?.details[$0] }.filter { !$0.exits.isEmpty }
        var result: [ShownRun] = overlaid.enumerated().map { index, detail in
            (detail, overlayColors[index % overlayColors.count], overlayMarker(index))
        }
        if let focused = state.focusedDetail, !focused.exits.isEmpty { result.append((focused, .title, nil)) }
        return result
    }

    /// The letter of the index-th overlaid run: a to z, then again.
    static func overlayMarker(_ index: Int) -> Character {
        Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index % 26)))
    }

    /// The per-architecture envelopes over `runs` when `b` turned them on (the Anytime and Budget views), else none.
    static func envelopes(_ state: DashboardState, over runs: [ShownRun]) -> [ChartSeries] {
        state.showEnvelope ? Envelope.series(over: runs.map(\.detail)) : []
    }

    /// The focused run's exits and stored budget curve, each overlaid run's exits, then the envelopes.
    static func series(_ runs: [ShownRun], envelopes: [ChartSeries]) -> [ChartSeries] {
        runs.flatMap { detail, color, marker in
            guard let marker else {
                return ChartSeries.budgetCurve(detail.budgetCurve, label: "")
                    + [ChartSeries.exits(detail.exits, label: detail.run.name, color: color)]
            }
            var exits = ChartSeries.exits(detail.exits, label: detail.run.name, color: color)
            exits.markers = Array(repeating: marker, count: detail.exits.count)
            return [exits]
        } + envelopes
    }

    static func drawTable(
        _ state: DashboardState, runs: [ShownRun],
        envelopes: [ChartSeries], into screen: inout Screen, rect: Rect
    ) {
        guard let detail = state.focusedDetail, !detail.exits.isEmpty else {
            screen.write(
                "not evaluated yet (ranet eval)", x: rect.x + 1, y: rect.y, foreground: .muted,
                maxWidth: rect.width - 1)
            return
        }
        let header =
            fit("exit", 5) + fit("sub", 4) + fit("res", 5) + fit("MFLOPs", 8, alignRight: true)
            + fit("acc %", 8, alignRight: true)
        screen.write(
            header, x: rect.x + 1, y: rect.y, foreground: .muted, attributes: [.bold], maxWidth: rect.width - 1)
        let count = detail.exits.count
        for (index, exit) in detail.exits.enumerated() where index + 1 < rect.height {
            let text =
                fit(String(index + 1), 5) + fit(subnetworkText(exit.subnetwork), 4)
                + fit(resolutionText(exit.resolution), 5)
                + fit(String(format: "%.2f", exit.cumulativeMFLOPs), 8, alignRight: true)
                + fit(String(format: "%.2f", exit.accuracy * 100), 8, alignRight: true)
            screen.write(text, x: rect.x + 1, y: rect.y + 1 + index, maxWidth: rect.width - 1)
            screen.colorExitNumber(index, of: count, x: rect.x + 1, y: rect.y + 1 + index)
        }
        var row = rect.y + count + 2
        if !detail.budgetCurve.isEmpty, row < rect.y + rect.height {
            screen.write(
                "budget curve: \(detail.budgetCurve.count) points (grey)", x: rect.x + 1, y: row,
                foreground: .muted, maxWidth: rect.width - 1)
            row += 1
        }
        for (detailShown, color, marker) in runs where row < rect.y + rect.height {
            let key = marker.map(String.init) ?? "1-\(detailShown.exits.count)"
            screen.write(
                key + " " + detailShown.run.name, x: rect.x + 1, y: row, foreground: color, maxWidth: rect.width - 1)
            row += 1
        }
        // The chart's one legend row runs out of room with many runs; the envelopes are named here too.
        for envelope in envelopes where row < rect.y + rect.height {
            screen.write(
                LineChart.legendKey(envelope, ascii: state.options.ascii) + " " + envelope.label, x: rect.x + 1, y: row,
                foreground: envelope.color, maxWidth: rect.width - 1)
            row += 1
        }
    }
}

/// The two kinds of line the anytime and budget views draw: a stored budget curve and a run's exits.
extension ChartSeries {
    /// The stored budget curve as a grey line of accuracy (%) against expected MFLOPs; none when it is empty.
    static func budgetCurve(_ points: [BudgetPoint], label: String) -> [ChartSeries] {
        guard !points.isEmpty else { return [] }
        return [
            ChartSeries(
                label: label, color: .muted, xs: points.map(\.expectedMFLOPs), ys: points.map { $0.accuracy * 100 })
        ]
    }

    /// Every exit's accuracy (%) against cumulative MFLOPs, each point marked with its exit number (1-based, mod 10).
    static func exits(_ exits: [ExitInfo], label: String, color: ColorRole, drawLine: Bool = true) -> ChartSeries {
        ChartSeries(
            label: label, color: color, xs: exits.map(\.cumulativeMFLOPs), ys: exits.map { $0.accuracy * 100 },
            markers: exits.indices.map { Character(String(($0 + 1) % 10)) }, drawLine: drawLine)
    }
}
