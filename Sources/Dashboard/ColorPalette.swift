/// What the terminal can show, best first.
public enum ColorCapability: String, Hashable, Sendable {
    case truecolor, palette256, palette16, monochrome

    /// Picks the capability from the environment, the terminal's colour count and the `--no-color` flag:
    /// NO_COLOR (non-empty), `--no-color` or TERM=dumb give monochrome; truecolor needs COLORTERM and a
    /// direct-colour terminfo (more than 256 colours).
    public static func detect(environment: [String: String], terminalColors: Int, noColorFlag: Bool) -> ColorCapability
    {
        if noColorFlag || !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb" {
            return .monochrome
        }
        let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
        if terminalColors > 256, colorTerm == "truecolor" || colorTerm == "24bit" { return .truecolor }
        if terminalColors >= 256 { return .palette256 }
        if terminalColors >= 8 { return .palette16 }
        return .monochrome
    }
}

/// Maps colours to terminal palette indices.
public enum ColorPalette {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The nearest of the xterm 256-colour palette's cube (16-231) and grey ramp (232-255) entries.
    public static func nearest256(_ color: RGB) -> Int {
        func cubeIndex(_ value: UInt8) -> Int {
            let v = Int(value)
            return v < 48 ? 0 : (v < 115 ? 1 : (v - 35) / 40)
        }
        let (r, g, b) = (cubeIndex(color.red), cubeIndex(color.green), cubeIndex(color.blue))
        let cube = RGB(UInt8(cubeLevels[r]), UInt8(cubeLevels[g]), UInt8(cubeLevels[b]))
        let average = (Int(color.red) + Int(color.green) + Int(color.blue)) / 3
        let greyIndex = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = RGB(grey: UInt8(8 + greyIndex * 10))
        return distance(color, grey) < distance(color, cube) ? 232 + greyIndex : 16 + 36 * r + 6 * g + b
    }

    /// The standard 16 ANSI colours (xterm defaults).
    static let ansi16: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205),
        RGB(0, 205, 205), RGB(229, 229, 229), RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0),
        RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// The nearest of the 16 ANSI colours.
    public static func nearest16(_ color: RGB) -> Int {
        ansi16.indices.min { distance(color, ansi16[$0]) < distance(color, ansi16[$1]) } ?? 7
    }

    /// The colour number to hand to the terminal for `capability` (truecolor packs 0xRRGGBB).
    public static func index(_ color: RGB, capability: ColorCapability) -> Int {
        switch capability {
        case .truecolor: Int(color.red) << 16 | Int(color.green) << 8 | Int(color.blue)
        case .palette256: nearest256(color)
        case .palette16: nearest16(color)
        case .monochrome: -1
        }
    }

    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.red) - Int(b.red)
        let dg = Int(a.green) - Int(b.green)
        let db = Int(a.blue) - Int(b.blue)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}
