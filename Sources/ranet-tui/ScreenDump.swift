import Dashboard
import Foundation

/// `--dump-screen WxH`: loads the data once, applies `--press` keys, and prints the rendered screen as text, with no
/// terminal involved (README screenshots, tests without tmux).
struct ScreenDump {
    let source: any DashboardDataSource
    var state: DashboardState

    /// Parses "100x30"; the error names the argument.
    static func size(_ text: String) throws -> Size {
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0, parts[0] <= 1000, parts[1] <= 1000 else {
            throw DumpError(description: "--dump-screen '\(text)': expected WIDTHxHEIGHT, e.g. 100x30")
        }
        return Size(width: parts[0], height: parts[1])
    }

    /// A key by the name the help overlay shows (or a spelled-out name such as Left, Space).
    static func key(_ name: String) throws -> Key {
        let named: [String: Key] = [
            "enter": .enter, "esc": .escape, "escape": .escape, "tab": .tab, "s-tab": .backTab, "backtab": .backTab,
            "left": .left, "right": .right, "up": .up, "down": .down, "pgup": .pageUp, "pgdn": .pageDown,
            "home": .home, "end": .end, "space": .character(" "), "bksp": .backspace, "backspace": .backspace,
        ]
        if let key = named[name.lowercased()] { return key }
        if name.count == 1, let character = name.first { return .character(character) }
        throw DumpError(
            description: "--press '\(name)': not a key; use one character or one of "
                + named.keys.sorted().joined(separator: ", "))
    }

    struct DumpError: Error, CustomStringConvertible {
        let description: String
    }

    /// Applies the keys, reloading whenever the state asks for other runs' details, and renders.
    mutating func render(keys: [Key], size: Size) throws -> String {
        try load()
        for key in keys {
            state = reduce(state, key: key)
            try load()
        }
        return Dashboard.render(state, size: size).text
    }

    /// Loads until the requested runs are stable (opening a run asks for its details).
    private mutating func load() throws {
        var loaded: Set<Int64>?
        while loaded != state.requestedRunIDs {
            loaded = state.requestedRunIDs
            state = reduce(state, .dataLoaded(try source.snapshot(detailsFor: loaded!)))
        }
        state = reduce(state, .tick(Date().timeIntervalSince1970))
    }
}
