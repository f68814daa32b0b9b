import Foundation

/// How `formatDuration` spells a number of seconds.
public enum DurationStyle: Sendable {
    /// The CLI progress line: whole seconds (truncated), "MM:SS" under an hour and "H:MM:SS" from an hour on;
    /// "--:--" for a negative or unknown duration.
    case progress
    /// The dashboard's ETA: rounded to the second, always "H:MM:SS"; a negative duration reads as zero.
    case clock
}

/// A duration as hours, minutes and seconds; "--:--" when `seconds` is not finite.
public func formatDuration(_ seconds: Double, style: DurationStyle) -> String {
    guard seconds.isFinite else { return "--:--" }
    let whole: Int
    switch style {
    case .progress:
        guard seconds >= 0 else { return "--:--" }
        whole = Int(seconds)
        if whole < 3600 { return String(format: "%02d:%02d", whole / 60, whole % 60) }
    case .clock:
        whole = max(0, Int(seconds.rounded()))
    }
    return String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
}
