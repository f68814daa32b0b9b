import ExitPolicies
import ExperimentRecords
import Foundation

/// View 5: test samples under the current thresholds, grouped by exit, with a drill-down per image.
enum SamplesView {
    static func draw(_ state: DashboardState, into screen: inout Screen, rect: Rect) {
        let ascii = state.options.ascii
        guard let detail = state.focusedDetail, let result = state.budgetResult else {
            let inner = drawPanel("Samples", into: &screen, rect: rect, ascii: ascii)
            screen.write(
                state.budgetError ?? "this run has no evaluated per-sample records", x: inner.x + 1, y: inner.y,
                foreground: .muted)
            return
        }
        let rows = SampleList.visible(state)
        if state.samples.drillDown, rows.indices.contains(state.samples.cursor) {
            SampleDetailView.draw(state, detail, result, rows[state.samples.cursor], into: &screen, rect: rect)
            return
        }
        let settings = state.samples
        let filters =
            "exit " + (settings.exitFilter.map { String($0 + 1) } ?? "all") + " · " + settings.correctness.title
            + " · class " + (settings.classFilter.map { detail.className($0) } ?? "all")
            + " · conf " + (settings.sortDescending ? "↓" : "↑")
        let title =
            "Samples \(rows.count)/\(detail.samples.count) · \(state.budget.policy.rawValue) "
            + "\(result.sliderLabel) · \(filters)"
        let inner = drawPanel(title, into: &screen, rect: rect, ascii: ascii)
        drawList(state, detail, rows, into: &screen, rect: inner)
    }

    /// A list line: a group header (exit index) or a sample (index into `rows`).
    enum Line {
        case header(Int)
        case sample(Int)
    }

    static func lines(_ rows: [SampleRow]) -> [Line] {
        var lines: [Line] = []
        for (index, row) in rows.enumerated() {
            if index == 0 || rows[index - 1].exit != row.exit { lines.append(.header(row.exit)) }
            lines.append(.sample(index))
        }
        return lines
    }

    static func drawList(
        _ state: DashboardState, _ detail: RunDetail, _ rows: [SampleRow],
        into screen: inout Screen, rect: Rect
    ) {
        let header =
            fit("sample", 8) + fit("label", 10) + fit("pred", 10) + fit("exit", 5)
            + fit("conf", 6) + "ok  conf per exit"
        screen.write(
            header, x: rect.x + 1, y: rect.y, foreground: .muted, attributes: [.bold], maxWidth: rect.width - 1)
        guard !rows.isEmpty else {
            screen.write(
                "no sample matches the filters (e, c, t cycle them)", x: rect.x + 1, y: rect.y + 2,
                foreground: .muted)
            return
        }
        let lines = lines(rows)
        let height = rect.height - 1
        let first = firstVisibleLine(lines, cursor: state.samples.cursor, height: height)
        let exitCount = detail.exits.count
        for (offset, line) in lines.dropFirst(first).prefix(height).enumerated() {
            let y = rect.y + 1 + offset
            switch line {
            case .header(let exit):
                let count = rows.filter { $0.exit == exit }.count
                let kind = exit == 0 ? " easiest," : (exit == exitCount - 1 ? " hardest," : "")
                let text =
                    "\(exitName(exit)) (\(resolutionText(detail.exits[exit].resolution)))\(kind) \(count) samples"
                screen.write(
                    text, x: rect.x + 1, y: y, foreground: exitColor(exit, of: exitCount), attributes: [.bold],
                    maxWidth: rect.width - 1)
            case .sample(let index):
                drawSampleLine(
                    rows[index], detail, selected: index == state.samples.cursor, ascii: state.options.ascii,
                    into: &screen, x: rect.x, y: y, width: rect.width)
            }
        }
    }

    /// The list keeps the cursor's line in the middle where it can.
    static func firstVisibleLine(_ lines: [Line], cursor: Int, height: Int) -> Int {
        let cursorLine = lines.firstIndex { if case .sample(let index) = $0 { index == cursor } else { false } } ?? 0
        return max(0, min(cursorLine - height / 2, lines.count - height))
    }

    /// The sample (index into the visible rows) drawn at screen row `y` of a body `rect`, if any.
    static func sample(atRow y: Int, _ state: DashboardState, rect: Rect) -> Int? {
        let inner = rect.inset(1)
        let lines = lines(SampleList.visible(state))
        let line = firstVisibleLine(lines, cursor: state.samples.cursor, height: inner.height - 1) + y - (inner.y + 1)
        guard y > inner.y, y < inner.y + inner.height, lines.indices.contains(line),
            case .sample(let index) = lines[line]
        else { return nil }
        return index
    }

    static func drawSampleLine(
        _ row: SampleRow, _ detail: RunDetail, selected: Bool, ascii: Bool,
        into screen: inout Screen, x: Int, y: Int, width: Int
    ) {
        let sample = detail.samples[row.offset]
        let background: ColorRole = selected ? .selection : .background
        let text =
            fit("#\(sample.sampleIndex)", 8) + fit(detail.className(sample.label), 10)
            + fit(detail.className(row.predicted), 10) + fit(String(row.exit + 1), 5)
            + fit(String(format: "%.2f", row.confidence), 6) + (row.correct ? (ascii ? "y" : "✓") : (ascii ? "n" : "✗"))
            + "   "
        screen.fill(Rect(x: x + 1, y: y, width: width - 1, height: 1), with: Cell(" ", background: background))
        let used = screen.write(
            text, x: x + 1, y: y, background: background, attributes: selected ? [.bold] : [],
            maxWidth: width - 1)
        screen.restyle(x: x + 1 + 39, y: y, width: 1, foreground: row.correct ? .good : .bad)
        let sparkline = confidenceSparkline(sample, ascii: ascii)
        for (exit, character) in sparkline.enumerated() where used + exit < width - 1 {
            let correct = exit < sample.predicted.count && sample.predicted[exit] == sample.label
            screen[x + 1 + used + exit, y] = Cell(character, foreground: correct ? .good : .bad, background: background)
        }
        if SampleList.overthinks(sample), used + sparkline.count + 14 < width {
            screen.write(
                "overthinking", x: x + 2 + used + sparkline.count, y: y, foreground: .hard, background: background)
        }
    }

    /// One glyph per exit whose height is the confidence there.
    static func confidenceSparkline(_ sample: SampleRecord, ascii: Bool) -> [Character] {
        let levels: [Character] = ascii ? Array("0123456789") : Array("▁▂▃▄▅▆▇█")
        return sample.maxProb.map { value in
            levels[min(levels.count - 1, max(0, Int(Double(value) * Double(levels.count))))]
        }
    }
}
