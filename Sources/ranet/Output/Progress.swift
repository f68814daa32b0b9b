import ExperimentRecords
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

    static func duration(_ seconds: Double) -> String { formatDuration(seconds, style: .progress) }
}
