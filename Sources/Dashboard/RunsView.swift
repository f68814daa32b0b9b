import ExperimentRecords
import Foundation

/// View 1: every run of the store, filterable, with overlay selection.
enum RunsView {
    static func draw(_ state: DashboardState, into screen: inout Screen, rect: Rect) {
        let title = state.runFilter.isEmpty ? "Runs" : "Runs matching /\(state.runFilter)/"
        let inner = drawPanel(title, into: &screen, rect: rect, ascii: state.options.ascii)
        let runs = state.visibleRuns
        let wide = inner.width >= 120
        screen.write(
            header(wide: wide), x: inner.x, y: inner.y, foreground: .muted, attributes: [.bold],
            maxWidth: inner.width)
        guard !runs.isEmpty else {
            let message =
                state.data == nil
                ? "loading runs…"
                : (state.data!.runs.isEmpty
                    ? "no runs in this store yet: start one with `ranet train` or press n"
                    : "no run matches the filter (Esc clears it)")
            screen.write(message, x: inner.x + 1, y: inner.y + 2, foreground: .muted, maxWidth: inner.width - 1)
            return
        }
        let visibleRows = max(1, inner.height - 1)
        let firstRow = firstVisibleRow(cursor: state.runCursor, count: runs.count, visibleRows: visibleRows)
        for (offset, run) in runs.enumerated().dropFirst(firstRow).prefix(visibleRows) {
            let y = inner.y + 1 + offset - firstRow
            let selected = offset == state.runCursor
            let background: ColorRole = selected ? .selection : .background
            let marks = (state.overlayRunIDs.contains(run.id) ? "●" : " ") + (run.id == state.focusedRunID ? "▸" : " ")
            let text =
                (state.options.ascii ? asciiMarks(marks) : marks) + row(run, wide: wide, ascii: state.options.ascii)
            screen.write(
                fit(text, inner.width), x: inner.x, y: y, background: background,
                attributes: selected ? [.bold] : [])
            let statusColumn = inner.x + 2 + widths(wide)[0] + widths(wide)[1] + 2
            screen.restyle(x: statusColumn, y: y, width: widths(wide)[2], foreground: statusColor(run.status))
        }
    }

    /// The run shown on the first list row: the list scrolls just enough to keep the cursor visible.
    static func firstVisibleRow(cursor: Int, count: Int, visibleRows: Int) -> Int {
        max(0, min(cursor - visibleRows + 1, count - visibleRows))
    }

    /// The run index drawn at screen row `y` of a body `rect`, if any.
    static func run(atRow y: Int, _ state: DashboardState, rect: Rect) -> Int? {
        let inner = rect.inset(1)
        let visibleRows = max(1, inner.height - 1)
        let count = state.visibleRuns.count
        let index = firstVisibleRow(cursor: state.runCursor, count: count, visibleRows: visibleRows) + y - (inner.y + 1)
        return y > inner.y && y < inner.y + inner.height && index < count ? index : nil
    }

    static func asciiMarks(_ marks: String) -> String {
        marks.replacingOccurrences(of: "●", with: "*").replacingOccurrences(of: "▸", with: ">")
    }

    /// Column widths; the wide layout gives names and datasets more room.
    static func widths(_ wide: Bool) -> [Int] { wide ? [5, 30, 12, 16, 14, 8, 10, 9] : [3, 15, 11, 13, 6, 6, 8, 7] }

    static func columns(_ texts: [String], wide: Bool) -> String {
        zip(texts, widths(wide)).enumerated().map { index, pair in
            fit(pair.0, pair.1, alignRight: index >= 5)
        }.joined(separator: " ")
    }

    static func header(wide: Bool) -> String {
        "  " + columns(["ID", "Name", "Status", "Dataset", "Arch", "Epochs", "Best acc", "MFLOPs"], wide: wide)
    }

    /// A run trained from another (IMTA stage 2) names its parent before its own name: "↳3 name".
    static func row(_ run: RunSummary, wide: Bool, ascii: Bool = false) -> String {
        let accuracy = run.bestAccuracyPercent.map { String(format: "%.2f%%", $0) } ?? "-"
        let flops = run.lastExitMFLOPs.map { String(format: "%.2f", $0) } ?? "-"
        let name = run.parentRunID.map { (ascii ? "<-" : "↳") + "\($0) " + run.name } ?? run.name
        return columns(
            [
                String(run.id), name, run.status.rawValue, run.dataset, run.architecture,
                "\(run.epochsDone)/\(run.epochsPlanned)", accuracy, flops,
            ], wide: wide)
    }
}
