import Foundation

/// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs, CI, pipes).
final class ProgressLine {
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastPlain = Date.distantPast

    func update(_ text: String, force: Bool = false) {
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
        } else if force || Date().timeIntervalSince(lastPlain) >= 5 {
            FileHandle.standardError.write(Data((text + "\n").utf8))
            lastPlain = Date()
        }
    }

    func finishLine() { if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) } }

    func message(_ text: String) {
        finishLine()
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds)
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
