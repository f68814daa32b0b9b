import ExitPolicies
import ExperimentRecords
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
        var series = curveSeries(detail) + AnytimeView.envelopes(state, over: AnytimeView.shownRuns(state))
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
        var summary = String(
            format: "accuracy %.2f%%  avg %.2f MFLOPs  speed-up %.2fx FLOPs", result.accuracy * 100,
            result.averageMFLOPs, result.speedUp)
        let measured = MeasuredSpeedUp.matching(
            detail.exitBenchmarks, policy: state.budget.policy.rawValue,
            flopsRatio: lastCost > 0 ? result.averageMFLOPs / lastCost : 0)
        let detailText: String
        if let measured {
            summary += String(format: ", %.2fx measured", measured.speedUp)
            detailText = String(format: " (bench-exit, batch %d, %d threads)", measured.batchSize, measured.threads)
        } else {
            summary += " (not measured)"
            detailText = String(format: " vs last exit (%.2f)", lastCost)
        }
        // The details only when they fit whole: the speed-ups come first.
        if summary.count + detailText.count <= rect.width - 1 { summary += detailText }
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

/// The wall-time speed-up of real early exit `ranet bench-exit` measured for a run at the rule the Budget view shows.
struct MeasuredSpeedUp: Equatable {
    /// A measurement counts for the slider's rule when its FLOPs ratio is within this of the slider's (1% of the last
    /// exit's FLOPs: a budget solved on validation lands on the test split within about that).
    static let flopsRatioTolerance = 0.01

    var speedUp: Double
    var batchSize: Int
    var threads: Int

    /// The latest benchmark of `policy` whose FLOPs ratio matches `flopsRatio`, or nil.
    static func matching(_ records: [ExitBenchmarkRecord], policy: String, flopsRatio: Double) -> MeasuredSpeedUp? {
        for record in records.reversed() where record.policy == policy {
            guard let summary = record.summary, abs(summary.flopsRatio - flopsRatio) <= flopsRatioTolerance else {
                continue
            }
            return MeasuredSpeedUp(
                speedUp: summary.measuredSpeedUp, batchSize: record.batchSize, threads: record.threads)
        }
        return nil
    }
}
