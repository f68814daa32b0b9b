import ExperimentRecords
import Foundation

/// View 2: loss of every exit over steps, validation accuracy per epoch, progress of a live run.
enum TrainingView {
    static func draw(_ state: DashboardState, into screen: inout Screen, rect: Rect) {
        let ascii = state.options.ascii
        guard let detail = state.focusedDetail else {
            let inner = drawPanel("Training", into: &screen, rect: rect, ascii: ascii)
            let message =
                state.focusedRunID.map { "loading run \($0)…" }
                ?? "no run selected: open one in the Runs view (1, Enter)"
            screen.write(message, x: inner.x + 1, y: inner.y + 1, foreground: .muted)
            return
        }
        let (top, bottom) = rect.splitRows(topHeight: rect.height * 3 / 5)
        let lossTitle =
            "Loss per exit vs " + (state.xAxis == .steps ? "step" : "wall time")
            + (state.smoothing == .off ? "" : "  [\(state.smoothing.title)]") + (state.logY ? "  [log y]" : "")
        let lossArea = drawPanel(lossTitle, into: &screen, rect: top, ascii: ascii)
        LineChart.draw(
            lossSeries(state, detail),
            style: ChartStyle(xLabel: state.xAxis.title, logY: state.logY, ascii: ascii),
            into: &screen, rect: lossArea)
        let (left, right) = bottom.splitColumns(leftWidth: bottom.width / 2)
        let accuracyArea = drawPanel("Validation accuracy per epoch (%)", into: &screen, rect: left, ascii: ascii)
        LineChart.draw(
            accuracySeries(detail), style: ChartStyle(xLabel: "epoch", ascii: ascii, showLegend: false),
            into: &screen, rect: accuracyArea)
        let progressArea = drawPanel("Progress", into: &screen, rect: right, ascii: ascii)
        drawProgress(state, detail, into: &screen, rect: progressArea)
    }

    /// Loss of every exit of the focused run (on top), plus the last exit of overlaid runs in muted colour.
    static func lossSeries(_ state: DashboardState, _ detail: RunDetail) -> [ChartSeries] {
        func xs(_ series: StepSeries) -> [Double] {
            // Wall time in minutes; a series without wall times (old stores) falls back to steps.
            state.xAxis == .wallTime && series.wallTimes.count == series.steps.count
                ? series.wallTimes.map { $0 / 60 } : series.steps.map(Double.init)
        }
        var result: [ChartSeries] = []
        for id in state.overlayRunIDs.sorted() where id != detail.run.id {
            guard let other = state.data?.details[id], let last = other.lossSeries.last else { continue }
            result.append(
                ChartSeries(label: "run \(id)", color: .muted, xs: xs(last), ys: state.smoothing.apply(last.losses)))
        }
        let count = detail.lossSeries.count
        for series in detail.lossSeries {
            result.append(
                ChartSeries(
                    label: String(series.exit + 1), color: exitColor(series.exit, of: count),
                    xs: xs(series), ys: state.smoothing.apply(series.losses)))
        }
        return result
    }

    static func accuracySeries(_ detail: RunDetail) -> [ChartSeries] {
        let count = detail.epochs.map(\.validationAccuracy.count).max() ?? 0
        return (0..<count).map { exit in
            let points = detail.epochs.filter { exit < $0.validationAccuracy.count }
            return ChartSeries(
                label: exitName(exit), color: exitColor(exit, of: count),
                xs: points.map { Double(displayedEpoch($0)) },
                ys: points.map { Double($0.validationAccuracy[exit]) * 100 })
        }
    }

    static func drawProgress(_ state: DashboardState, _ detail: RunDetail, into screen: inout Screen, rect: Rect) {
        var lines: [(String, ColorRole)] = []
        let run = detail.run
        lines.append(("\(run.architecture) · \(run.dataset) · \(run.status.rawValue)", statusColor(run.status)))
        let barWidth = max(4, rect.width - 22)
        if let progress = detail.progress {
            let fraction = Double(progress.stepInEpoch) / Double(max(1, progress.stepsPerEpoch))
            lines.append(
                (
                    "epoch \(progress.epoch)/\(progress.epochs) "
                        + bar(fraction, width: barWidth, ascii: state.options.ascii)
                        + String(format: " %3.0f%%", fraction * 100), .title
                ))
            lines.append(("step \(progress.stepInEpoch)/\(progress.stepsPerEpoch)", .text))
            lines.append(
                (String(format: "lr %.4g   %.1f images/s", progress.learningRate, progress.imagesPerSecond), .text))
            lines.append(
                (
                    "ETA "
                        + (remainingSeconds(progress, now: state.now).map { formatDuration($0, style: .clock) }
                            ?? "unknown"),
                    .text
                ))
        } else {
            let fraction = Double(run.epochsDone) / Double(max(1, run.epochsPlanned))
            lines.append(
                (
                    "epochs \(run.epochsDone)/\(run.epochsPlanned) "
                        + bar(fraction, width: barWidth, ascii: state.options.ascii),
                    .title
                ))
        }
        if let best = run.bestAccuracyPercent {
            lines.append((String(format: "best last-exit accuracy %.2f%%", best), .good))
        }
        if let last = detail.epochs.last {
            let accuracies = last.validationAccuracy.map { String(format: "%.1f", Double($0) * 100) }
                .joined(separator: " ")
            lines.append(("epoch \(displayedEpoch(last)) acc/exit: " + accuracies, .muted))
        }
        lines.append(
            ("smoothing \(state.smoothing.title)  log-y \(state.logY ? "on" : "off")  x \(state.xAxis.title)", .muted))
        for (row, line) in lines.prefix(rect.height).enumerated() {
            screen.write(line.0, x: rect.x + 1, y: rect.y + row, foreground: line.1, maxWidth: rect.width - 1)
        }
    }
}

/// The store counts epochs from 0; the trainer's progress line and the dashboard count from 1.
func displayedEpoch(_ metric: EpochMetric) -> Int { metric.epoch + 1 }

/// The ETA counted down from when it was estimated to `now` (no count-down without a clock or a reference).
func remainingSeconds(_ progress: TrainingProgress, now: Double) -> Double? {
    guard let eta = progress.etaSeconds else { return nil }
    guard let reference = progress.etaReferenceTime, now > reference else { return eta }
    return max(0, eta - (now - reference))
}
