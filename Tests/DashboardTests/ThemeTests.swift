import Foundation
import Testing

@testable import Dashboard

@Suite struct ThemeTests {
    @Test func parsesKeysDefaultsCommentsAndBtopSpelling() throws {
        let text = """
            # comment
            text = "#102030"

            background = ""
            theme[title]="#A0B0C0"
            exit_start = "#000000"
            exit_end = "#FFFFFF"
            """
        let theme = try Theme.parse(text, name: "t", source: "t.theme")
        #expect(theme.resolve(.text) == RGB(0x10, 0x20, 0x30))
        #expect(theme.resolve(.background) == nil)
        #expect(theme.resolve(.title) == RGB(0xA0, 0xB0, 0xC0))
        #expect(theme.resolve(.exit(index: 0, count: 3)) == RGB(grey: 0))
        #expect(theme.resolve(.exit(index: 1, count: 3)) == RGB(grey: 128))
        #expect(theme.resolve(.exit(index: 2, count: 3)) == RGB(grey: 255))
        #expect(theme.resolve(.rgb(RGB(1, 2, 3))) == RGB(1, 2, 3))
    }

    @Test(arguments: [
        ("nonsense", 1, "expected key"),
        ("colour = \"#FFFFFF\"", 1, "unknown key 'colour'"),
        ("\n\ntext = #FFFFFF", 3, "must be quoted"),
        ("text = \"#FFF\"", 1, "not a #RRGGBB"),
        ("text = \"#GGGGGG\"", 1, "not a #RRGGBB"),
    ])
    func rejectsBadLinesWithTheirLineNumber(text: String, line: Int, reason: String) {
        do {
            _ = try Theme.parse(text, name: "bad", source: "bad.theme")
            Issue.record("accepted \(text)")
        } catch let error as ThemeError {
            #expect(error.line == line)
            #expect(error.description.hasPrefix("bad.theme:\(line): "))
            #expect(error.reason.contains(reason), "\(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: ["dark", "light", "high-contrast", "monochrome"])
    func shippedThemesParseAndSetEveryKey(name: String) throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../themes/\(name).theme")
        let theme = try Theme.parse(try String(contentsOf: file, encoding: .utf8), name: name, source: file.path)
        #expect(Set(theme.colors.keys) == Set(ThemeKey.allCases))
    }

    @Test func colorCapabilityFallsBackByEnvironment() {
        #expect(
            ColorCapability.detect(environment: ["NO_COLOR": "1"], terminalColors: 256, noColorFlag: false)
                == .monochrome)
        #expect(
            ColorCapability.detect(environment: ["NO_COLOR": ""], terminalColors: 256, noColorFlag: false)
                == .palette256)
        #expect(ColorCapability.detect(environment: [:], terminalColors: 256, noColorFlag: true) == .monochrome)
        #expect(
            ColorCapability.detect(environment: ["TERM": "dumb"], terminalColors: 256, noColorFlag: false)
                == .monochrome)
        #expect(
            ColorCapability.detect(
                environment: ["COLORTERM": "truecolor"], terminalColors: 1 << 24,
                noColorFlag: false) == .truecolor)
        #expect(
            ColorCapability.detect(
                environment: ["COLORTERM": "truecolor"], terminalColors: 256,
                noColorFlag: false) == .palette256)
        #expect(ColorCapability.detect(environment: [:], terminalColors: 8, noColorFlag: false) == .palette16)
        #expect(ColorCapability.detect(environment: [:], terminalColors: 0, noColorFlag: false) == .monochrome)
    }

    @Test func paletteQuantization() {
        #expect(ColorPalette.nearest256(RGB(255, 0, 0)) == 196)
        #expect(ColorPalette.nearest256(RGB(0, 0, 0)) == 16)
        #expect(ColorPalette.nearest256(RGB(grey: 128)) == 244)
        #expect(ColorPalette.nearest256(RGB(95, 135, 175)) == 16 + 36 * 1 + 6 * 2 + 3)
        #expect(ColorPalette.nearest16(RGB(250, 10, 10)) == 9)
        #expect(ColorPalette.index(RGB(1, 2, 3), capability: .truecolor) == 0x010203)
    }
}

/// Theme files as users (and themes/README.md) write them, and hostile ones (issue 20).
@Suite struct ThemeFileTests {
    @Test func theReadmeExampleWithTrailingCommentsParses() throws {
        let text = """
            # a comment
            background = ""   # comment
            other = "#1E2030"  # trailing
            theme[title] = "#88C0D0" # btop's spelling is accepted too
            """.replacingOccurrences(of: "other", with: "selection")
        let theme = try Theme.parse(text, name: "t", source: "t.theme")
        #expect(theme.colors[.background] == .some(nil))
        #expect(theme.colors[.title] == RGB(0x88, 0xC0, 0xD0))
    }

    @Test func longValuesAreNotEchoedWhole() {
        let huge = String(repeating: "A", count: 1 << 20)
        for line in ["title = \"\(huge)\"", "\(huge) = \"#000000\"", "title = \"#000000\" \(huge)"] {
            do {
                _ = try Theme.parse(line, name: "t", source: "t.theme")
                Issue.record("accepted")
            } catch { #expect("\(error)".count < 400, "message of \("\(error)".count) characters") }
        }
    }

    @Test func signsAndSpacesAreNotHexDigits() {
        #expect(
            Theme.parseHex("#+12345") == nil && Theme.parseHex("#-12345") == nil && Theme.parseHex("# 12345") == nil)
        #expect(Theme.parseHex("#0a0B0c") == RGB(0x0A, 0x0B, 0x0C))
    }
}
