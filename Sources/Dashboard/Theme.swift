/// Keys a theme file may set.
public enum ThemeKey: String, CaseIterable, Hashable, Sendable {
    case background, text, muted, border, title, selection
    case exitStart = "exit_start"
    case exitMid = "exit_mid"
    case exitEnd = "exit_end"
    case easy, hard, good, bad
}

/// A theme file could not be read; says which line and why.
public struct ThemeError: Error, Equatable, CustomStringConvertible {
    public let source: String
    public let line: Int
    public let reason: String
    /// "source:line: reason".
    public var description: String { "\(source):\(line): \(reason)" }
}

/// Colours for every role; nil means the terminal's default colour.
public struct Theme: Hashable, Sendable {
    public var name: String
    public var colors: [ThemeKey: RGB?]

    /// Creates a theme from explicit colours (missing keys use the terminal default).
    public init(name: String, colors: [ThemeKey: RGB?]) {
        self.name = name
        self.colors = colors
    }

    /// The colour of a key, nil for the terminal default.
    public func color(_ key: ThemeKey) -> RGB? { colors[key] ?? nil }

    /// Resolves a cell colour role to a colour (nil = terminal default).
    public func resolve(_ role: ColorRole) -> RGB? {
        switch role {
        case .terminalDefault: nil
        case .background: color(.background)
        case .text: color(.text)
        case .muted: color(.muted)
        case .border: color(.border)
        case .title: color(.title)
        case .selection: color(.selection)
        case .easy: color(.easy)
        case .hard: color(.hard)
        case .good: color(.good)
        case .bad: color(.bad)
        case .rgb(let rgb): rgb
        case .exit(let index, let count): exitColor(index: index, count: count)
        }
    }

    /// Exit colours run start -> mid -> end across the exits.
    func exitColor(index: Int, count: Int) -> RGB? {
        guard let start = color(.exitStart), let end = color(.exitEnd) else { return color(.text) }
        let mid = color(.exitMid) ?? start.mixed(with: end, 0.5)
        let t = count <= 1 ? 1 : Double(index) / Double(count - 1)
        return t < 0.5 ? start.mixed(with: mid, t * 2) : mid.mixed(with: end, (t - 0.5) * 2)
    }

    /// The built-in dark theme, used when no file is found.
    public static let dark = Theme(
        name: "dark",
        colors: [
            .background: nil, .text: RGB(0xD8, 0xDE, 0xE9), .muted: RGB(0x7A, 0x84, 0x96),
            .border: RGB(0x4C, 0x56, 0x6A),
            .title: RGB(0x88, 0xC0, 0xD0), .selection: RGB(0x2E, 0x34, 0x40), .exitStart: RGB(0x5E, 0x81, 0xF4),
            .exitMid: RGB(0xA3, 0xBE, 0x8C), .exitEnd: RGB(0xEB, 0xCB, 0x8B), .easy: RGB(0x8F, 0xBC, 0xBB),
            .hard: RGB(0xD0, 0x87, 0x70), .good: RGB(0xA3, 0xBE, 0x8C), .bad: RGB(0xBF, 0x61, 0x6A),
        ])

    /// Parses btop-style lines `key = "#RRGGBB"` (also `theme[key]="#RRGGBB"`); `""` means terminal default,
    /// `#` starts a comment (a whole line, or after the quoted value), unknown keys and malformed colours are
    /// errors. Errors quote at most `echoLimit` characters of what they found.
    public static func parse(_ text: String, name: String, source: String) throws -> Theme {
        var colors: [ThemeKey: RGB?] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ reason: String) -> ThemeError { ThemeError(source: source, line: number + 1, reason: reason) }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected key = \"#RRGGBB\"") }
            var keyText = line[..<equals].trimmingCharacters(in: " \t")
            if keyText.hasPrefix("theme[") && keyText.hasSuffix("]") {
                keyText = String(keyText.dropFirst(6).dropLast())
            }
            guard let key = ThemeKey(rawValue: keyText) else {
                throw fail(
                    "unknown key '\(echo(keyText))' (known: \(ThemeKey.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            let valueText = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
            guard valueText.hasPrefix("\""), let close = valueText.dropFirst().firstIndex(of: "\"") else {
                throw fail("value of '\(keyText)' must be quoted, like \"#1E2030\" or \"\"")
            }
            let rest = valueText[valueText.index(after: close)...].trimmingCharacters(in: " \t")
            guard rest.isEmpty || rest.hasPrefix("#") else {
                throw fail("unexpected '\(echo(rest))' after the value of '\(keyText)' (comments start with #)")
            }
            let inner = String(valueText[valueText.index(after: valueText.startIndex)..<close])
            if inner.isEmpty {
                colors[key] = .some(nil)
                continue
            }
            guard let rgb = parseHex(inner) else { throw fail("'\(echo(inner))' is not a #RRGGBB colour") }
            colors[key] = rgb
        }
        return Theme(name: name, colors: colors)
    }

    /// Characters of a bad key or value quoted in an error (a theme line may be megabytes long).
    static let echoLimit = 40

    static func echo(_ text: String) -> String {
        text.count <= echoLimit ? text : String(text.prefix(echoLimit)) + "... (\(text.count) characters)"
    }

    static func parseHex(_ text: String) -> RGB? {
        guard text.hasPrefix("#"), text.count == 7, text.dropFirst().allSatisfy(\.isHexDigit),
            let value = UInt32(text.dropFirst(), radix: 16)
        else { return nil }
        return RGB(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        guard let start = firstIndex(where: { !characters.contains($0) }) else { return "" }
        let end = lastIndex(where: { !characters.contains($0) })!
        return String(self[start...end])
    }
}
