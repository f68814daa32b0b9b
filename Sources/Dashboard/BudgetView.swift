import ExitPolicies
import Foundation

/// View 4: the threshold slider, its exact outcome on the stored samples and the operating point.
enum BudgetView {
    static func draw(_ state: DashboardState, into screen: inout Screen, rect: Rect) {
        let ascii = state.options.ascii
        let (top, bottom) = rect.splitRows(topHeight: 6)
        let controls = drawPanel("Budget", into: &screen, rect: top, ascii: ascii)
        guard let detail = state.focusedDetail, let result = state.budgetResult else {
            screen.write(
                state.budgetError ?? "this run has no evaluated per-sample records (run `ranet eval --run ID`)",
                x: controls.x + 1, y: controls.y, foreground: .muted, maxWidth: controls.width - 1)
            return
        }
        drawControls(state, result, detail, into: &screen, rect: controls)
        let histogramWidth = min(72, max(46, bottom.width * 45 / 100))
        let (left, right) = bottom.splitColumns(leftWidth: histogramWidth)
        let histogramArea = drawPanel("Samples leaving at each exit", into: &screen, rect: left, ascii: ascii)
        drawHistogram(result, detail, ascii: ascii, into: &screen, rect: histogramArea)
        let chartArea = drawPanel("Budget curve: accuracy (%) vs avg MFLOPs", into: &screen, rect: right, ascii: ascii)
        var series = curveSeries(detail)
        if state.showEnvelope {
            series += Envelope.series(over: AnytimeView.shownRuns(state).map(\.detail))
        }
        series.append(ChartSeries(label: ascii ? "@ now" : "◆ now", color: .title, xs: [], ys: [], drawLine: false))
        LineChart.draw(
            series,
            style: ChartStyle(
                xLabel: "MFLOPs", ascii: ascii,
                highlight: (result.averageMFLOPs, result.accuracy * 100)),
            into: &screen, rect: chartArea)
    }

    static func drawControls(
        _ state: DashboardState, _ result: BudgetResult, _ detail: RunDetail,
        into screen: inout Screen, rect: Rect
    ) {
        var column = rect.x + 1
        column += screen.write("mode ", x: column, y: rect.y, foreground: .muted)
        for mode in BudgetMode.allCases {
            column += choice(mode.title, active: mode == state.budget.mode, x: column, y: rect.y, into: &screen)
        }
        column = rect.x + 1
        column += screen.write("policy ", x: column, y: rect.y + 1, foreground: .muted)
        for policy in ExitPolicy.allCases {
            column += choice(
                policy.rawValue, active: policy == state.budget.policy, x: column, y: rect.y + 1, into: &screen)
        }
        let label = " " + result.sliderLabel
        let sliderWidth = max(10, rect.width - 2 - label.count)
        let knob = Int((state.budget.position * Double(sliderWidth - 1)).rounded())
        let ascii = state.options.ascii
        for index in 0..<sliderWidth {
            let isKnob = index == knob
            let glyph = isKnob ? (ascii ? "O" : "●") : (ascii ? "-" : (index < knob ? "━" : "─"))
            screen.write(
                glyph, x: rect.x + 1 + index, y: rect.y + 2,
                foreground: isKnob ? .title : (index < knob ? .text : .muted),
                attributes: isKnob ? [.bold] : [])
        }
        screen.write(label, x: rect.x + 1 + sliderWidth, y: rect.y + 2, foreground: .title, attributes: [.bold])
        let lastCost = detail.exits.last?.cumulativeMFLOPs ?? 0
        let summary = String(
            format: "accuracy %.2f%%  avg %.2f MFLOPs  speed-up %.2fx vs last exit (%.2f)",
            result.accuracy * 100, result.averageMFLOPs, result.speedUp, lastCost)
        screen.write(
            summary, x: rect.x + 1, y: rect.y + 3, foreground: .good, attributes: [.bold],
            maxWidth: rect.width - 1)
    }

    static func choice(_ title: String, active: Bool, x: Int, y: Int, into screen: inout Screen) -> Int {
        screen.write(
            active ? "[\(title)] " : " \(title)  ", x: x, y: y, foreground: active ? .title : .muted,
            attributes: active ? [.bold] : [])
    }

    static func drawHistogram(
        _ result: BudgetResult, _ detail: RunDetail, ascii: Bool,
        into screen: inout Screen, rect: Rect
    ) {
        let total = max(1, result.exitCounts.reduce(0, +))
        let largest = Double(max(1, result.exitCounts.max() ?? 1))
        let count = result.exitCounts.count
        screen.write(
            fit("exit sub res", 13) + fit("thresh", 7) + " share", x: rect.x + 1, y: rect.y,
            foreground: .muted, attributes: [.bold], maxWidth: rect.width - 1)
        let barWidth = max(4, rect.width - 36)
        for (index, samples) in result.exitCounts.enumerated() where index + 1 < rect.height {
            let exit = detail.exits[index]
            let threshold =
                index == count - 1
                ? "rest"
                : (result.thresholds[index].map { format(Double($0), decimals: 3) } ?? "none")
            let share = Double(samples) / Double(total)
            let text =
                fit(String(index + 1), 5) + fit(subnetworkText(exit.subnetwork), 4)
                + fit(exit.resolution > 0 ? String(exit.resolution) : "-", 4)
                + fit(threshold, 7) + " " + bar(Double(samples) / largest, width: barWidth, ascii: ascii)
                + String(format: " %5d %5.1f%%", samples, share * 100)
            screen.write(text, x: rect.x + 1, y: rect.y + 1 + index, maxWidth: rect.width - 1)
            screen.colorExitNumber(index, of: count, x: rect.x + 1, y: rect.y + 1 + index)
            screen.restyle(
                x: rect.x + 1 + 21, y: rect.y + 1 + index, width: barWidth,
                foreground: exitColor(index, of: count))
        }
    }

    /// The stored budget curve plus every exit as a numbered marker.
    static func curveSeries(_ detail: RunDetail) -> [ChartSeries] {
        ChartSeries.budgetCurve(detail.budgetCurve, label: "stored budget curve")
            + [ChartSeries.exits(detail.exits, label: "1-\(detail.exits.count) exits", color: .text, drawLine: false)]
    }
}
