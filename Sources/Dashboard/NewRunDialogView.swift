/// The new-run chooser drawn over the current view: dataset, preset and epochs, and the command it will run.
enum NewRunDialogView {
    static func draw(_ dialog: NewRunDialog, _ state: DashboardState, into screen: inout Screen, rect: Rect) {
        let choices = state.trainingChoices
        let request = dialog.request(choices)
        let command = "ranet " + request.arguments.joined(separator: " ")
        let width = min(rect.width, max(56, command.count + 6))
        let box = Rect(
            x: rect.x + (rect.width - width) / 2, y: rect.y + max(0, (rect.height - 10) / 2),
            width: width, height: min(rect.height, 10))
        screen.fill(box)
        let inner = drawPanel(
            "New training run (Enter starts, Esc cancels)", into: &screen, rect: box,
            ascii: state.options.ascii)
        let values = [request.dataset, request.preset, String(request.epochs)]
        let (left, right) = state.options.ascii ? ("<", ">") : ("◀", "▶")
        for field in NewRunDialog.Field.allCases {
            let selected = field == dialog.field
            let text = fit(field.title, 9) + "\(left) \(values[field.rawValue]) \(right)"
            screen.write(
                (selected ? "> " : "  ") + text, x: inner.x + 1, y: inner.y + 1 + field.rawValue,
                foreground: selected ? .title : .text, background: selected ? .selection : .terminalDefault,
                attributes: selected ? [.bold] : [], maxWidth: inner.width - 2)
        }
        screen.write(command, x: inner.x + 1, y: inner.y + 5, foreground: .muted, maxWidth: inner.width - 2)
        screen.write(
            "j/k field  h/l value; the log goes to $TMPDIR", x: inner.x + 1, y: inner.y + 6,
            foreground: .muted, maxWidth: inner.width - 2)
        screen.write(
            "the Training view follows the new run; x stops it", x: inner.x + 1, y: inner.y + 7,
            foreground: .muted, maxWidth: inner.width - 2)
    }
}
