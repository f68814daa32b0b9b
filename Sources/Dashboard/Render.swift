import ExperimentRecords
/// Smallest terminal the layout supports.
public let minimumSize = Size(width: 80, height: 24)

/// Draws the whole dashboard for a terminal of `size`; pure, so tests compare its text with snapshots.
public func render(_ state: DashboardState, size: Size) -> Screen {
    var screen = Screen(size: size)
    guard size.width >= minimumSize.width, size.height >= minimumSize.height else {
        let message =
            "ranet-tui needs at least \(minimumSize.width)x\(minimumSize.height); "
            + "this terminal is \(size.width)x\(size.height)"
        screen.write(message, x: 0, y: 0, foreground: .bad, attributes: [.bold], maxWidth: size.width)
        return screen
    }
    drawTabBar(state, into: &screen)
    let body = bodyRect(size)
    switch state.view {
    case .runs: RunsView.draw(state, into: &screen, rect: body)
    case .training: TrainingView.draw(state, into: &screen, rect: body)
    case .anytime: AnytimeView.draw(state, into: &screen, rect: body)
    case .budget: BudgetView.draw(state, into: &screen, rect: body)
    case .samples: SamplesView.draw(state, into: &screen, rect: body)
    }
    drawStatusBar(state, into: &screen)
    if let dialog = state.newRun { NewRunDialogView.draw(dialog, state, into: &screen, rect: body) }
    if state.showHelp { HelpOverlay.draw(into: &screen, rect: body, ascii: state.options.ascii) }
    return screen
}

/// Where the views draw: everything but the tab bar and the status line.
func bodyRect(_ size: Size) -> Rect { Rect(x: 0, y: 1, width: size.width, height: size.height - 2) }

/// The tab labels' columns in the tab bar, shared by drawing and mouse clicks.
func tabColumns() -> [(view: DashboardView, range: Range<Int>)] {
    var column = " ranet ".count
    return DashboardView.allCases.map { view in
        let width = " \(view.rawValue + 1) \(view.title) ".count
        defer { column += width }
        return (view, column..<(column + width))
    }
}

func drawTabBar(_ state: DashboardState, into screen: inout Screen) {
    let width = screen.size.width
    screen.fill(Rect(x: 0, y: 0, width: width, height: 1), with: Cell(" ", background: .selection))
    var column = screen.write(" ranet ", x: 0, y: 0, foreground: .title, background: .selection, attributes: [.bold])
    for view in DashboardView.allCases {
        let label = " \(view.rawValue + 1) \(view.title) "
        let active = view == state.view
        column += screen.write(
            label, x: column, y: 0, foreground: active ? .background : .text,
            background: active ? .title : .selection, attributes: active ? [.bold] : [])
    }
    if let run = state.focusedDetail?.run ?? state.data?.runs.first(where: { $0.id == state.focusedRunID }) {
        let start = column + 1
        let text = fit("run \(run.id) \(run.name) [\(run.status.rawValue)] ", width - start, alignRight: true)
        screen.write(text, x: start, y: 0, foreground: statusColor(run.status), background: .selection)
    }
}

func drawStatusBar(_ state: DashboardState, into screen: inout Screen) {
    let row = screen.size.height - 1
    let width = screen.size.width
    screen.fill(Rect(x: 0, y: row, width: width, height: 1), with: Cell(" ", background: .selection))
    let source = state.data?.sourceDescription ?? "loading…"
    let right = " " + source + " "
    let rightStart = width - right.count
    screen.write(right, x: max(0, rightStart), y: row, foreground: .muted, background: .selection)
    let left: String
    let color: ColorRole
    if state.isEditingFilter {
        (left, color) = (
            " /" + state.runFilter + "▏" + (state.runFilterError.map { "  " + $0 } ?? ""),
            state.runFilterError == nil ? .title : .bad
        )
    } else if let error = state.loadError {
        (left, color) = (" error: " + error, .bad)
    } else if let message = state.statusMessage {
        (left, color) = (" " + message, .text)
    } else {
        (left, color) = (" ? help  q quit  Tab/1-5 views" + viewHint(state.view), .muted)
    }
    screen.write(left, x: 0, y: row, foreground: color, background: .selection, maxWidth: max(0, rightStart - 1))
}

func viewHint(_ view: DashboardView) -> String {
    switch view {
    case .runs: "  / filter  Space overlay  Enter open  n new run"
    case .training: "  s smooth  w x-axis  l log-y  n new run  x stop"
    case .anytime: "  l log-y"
    case .budget: "  ←→ [ ] slider  m mode  p policy"
    case .samples: "  e exit  c correct  t class  o sort  Enter open"
    }
}

func statusColor(_ status: RunStatus) -> ColorRole {
    switch status {
    case .running: .title
    case .finished: .good
    case .failed, .interrupted: .bad
    }
}

/// Draws a bordered panel with a title and returns the inner rectangle.
@discardableResult
func drawPanel(_ title: String, into screen: inout Screen, rect: Rect, ascii: Bool) -> Rect {
    guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
    let (h, v, corners): (String, String, [String]) =
        ascii
        ? ("-", "|", ["+", "+", "+", "+"])
        : ("─", "│", ["┌", "┐", "└", "┘"])
    let right = rect.x + rect.width - 1
    let bottom = rect.y + rect.height - 1
    for column in (rect.x + 1)..<right {
        screen.write(h, x: column, y: rect.y, foreground: .border)
        screen.write(h, x: column, y: bottom, foreground: .border)
    }
    for row in (rect.y + 1)..<bottom {
        screen.write(v, x: rect.x, y: row, foreground: .border)
        screen.write(v, x: right, y: row, foreground: .border)
    }
    screen.write(corners[0], x: rect.x, y: rect.y, foreground: .border)
    screen.write(corners[1], x: right, y: rect.y, foreground: .border)
    screen.write(corners[2], x: rect.x, y: bottom, foreground: .border)
    screen.write(corners[3], x: right, y: bottom, foreground: .border)
    if !title.isEmpty {
        screen.write(
            " \(title) ", x: rect.x + 2, y: rect.y, foreground: .title, attributes: [.bold],
            maxWidth: rect.width - 4)
    }
    return rect.inset(1)
}

/// A horizontal bar of `fraction` of `width` cells (eighth blocks, or '#' in ASCII).
func bar(_ fraction: Double, width: Int, ascii: Bool) -> String {
    let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
    if ascii {
        let filled = Int((clamped * Double(width)).rounded())
        return String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    }
    let eighths = Int((clamped * Double(width * 8)).rounded())
    let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    var text = String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
    text += String(repeating: " ", count: max(0, width - text.count))
    return text
}

/// Colour role of exit `index` in a model with `count` exits.
func exitColor(_ index: Int, of count: Int) -> ColorRole { .exit(index: index, count: max(1, count)) }

extension Screen {
    /// Colours the exit number a row of an exit table starts with (its first 4 cells): bold, in the exit's colour.
    mutating func colorExitNumber(_ index: Int, of count: Int, x: Int, y: Int) {
        restyle(x: x, y: y, width: 4, foreground: exitColor(index, of: count), attributes: [.bold])
    }
}
