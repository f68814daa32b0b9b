/// The `?` overlay, generated from the keymap table.
enum HelpOverlay {
    /// Lines of the help text: a header per category, then "keys  description" per binding.
    static func lines() -> [(text: String, isHeader: Bool)] {
        var lines: [(String, Bool)] = []
        let groups = KeyCategory.allCases.map { category in
            (category, mergedByDescription(Keymap.bindings.filter { $0.category == category }))
        }
        let keyWidth = min(14, (groups.flatMap { $0.1.map(\.keys.count) }.max() ?? 10) + 1)
        for (category, bindings) in groups where !bindings.isEmpty {
            lines.append((category.rawValue, true))
            for binding in bindings {
                lines.append((fit(binding.keys, keyWidth) + binding.description, false))
            }
        }
        return lines
    }

    /// Bindings sharing a description (e.g. the digit keys) are listed once with all their keys.
    static func mergedByDescription(_ bindings: [KeyBinding]) -> [(keys: String, description: String)] {
        var merged: [(keys: String, description: String)] = []
        for binding in bindings {
            let keys = binding.keys.map(\.displayName).joined(separator: " ")
            if let index = merged.firstIndex(where: { $0.description == binding.description }) {
                merged[index].keys += " " + keys
            } else {
                merged.append((keys, binding.description))
            }
        }
        return merged
    }

    static func draw(into screen: inout Screen, rect: Rect, ascii: Bool) {
        let lines = lines()
        let rowsAvailable = max(1, rect.height - 2)
        let columns = max(1, (lines.count + rowsAvailable - 1) / rowsAvailable)
        let columnWidth = min(48, (rect.width - 2) / columns)
        let rows = min(rowsAvailable, (lines.count + columns - 1) / columns)
        let width = min(rect.width, columns * columnWidth + 2)
        let box = Rect(
            x: rect.x + (rect.width - width) / 2, y: rect.y + (rect.height - rows - 2) / 2,
            width: width, height: rows + 2)
        screen.fill(box)
        let inner = drawPanel("Keys (? or Esc closes)", into: &screen, rect: box, ascii: ascii)
        for (index, line) in lines.enumerated() {
            let column = index / max(1, rows)
            let row = index % max(1, rows)
            guard column < columns else { break }
            screen.write(
                line.text, x: inner.x + 1 + column * columnWidth, y: inner.y + row,
                foreground: line.isHeader ? .title : .text, attributes: line.isHeader ? [.bold] : [],
                maxWidth: columnWidth - 1)
        }
    }
}

extension Keymap {
    /// The keymap as a Markdown table for the README (the same merged rows as the `?` overlay, plus where each applies).
    public static func markdownTable() -> String {
        var lines = ["| keys | what | where |", "|---|---|---|"]
        for category in KeyCategory.allCases {
            let bindings = Keymap.bindings.filter { $0.category == category }
            for row in HelpOverlay.mergedByDescription(bindings) {
                let binding = bindings.first { $0.description == row.description }!
                let keys = row.keys.split(separator: " ").map { "`\($0 == "|" ? "\\|" : String($0))`" }.joined(
                    separator: " ")
                let place =
                    binding.inDialog
                    ? "new-run dialog"
                    : binding.views.map { views in
                        views.sorted { $0.rawValue < $1.rawValue }.map(\.title).joined(separator: ", ")
                    }
                        ?? "everywhere"
                lines.append("| \(keys) | \(row.description) | \(place) |")
            }
        }
        return lines.joined(separator: "\n")
    }
}
