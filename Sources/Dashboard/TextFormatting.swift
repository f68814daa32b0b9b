import ExperimentRecords
import Foundation

// How the views spell numbers, names and labels, so every view writes them alike.

/// Fixed-point formatting without locale surprises.
func format(_ value: Double, decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

/// Pads or truncates to exactly `width` characters.
func fit(_ text: String, _ width: Int, alignRight: Bool = false) -> String {
    guard width > 0 else { return "" }
    if text.count > width { return String(text.prefix(max(0, width - 1))) + "…" }
    let padding = String(repeating: " ", count: width - text.count)
    return alignRight ? padding + text : text + padding
}

/// "28px", or "-" when the data source does not know the resolution.
func resolutionText(_ resolution: Int) -> String { resolution > 0 ? "\(resolution)px" : "-" }

/// What an exit's stage is called: MSDNet exits end blocks, RANet exits end sub-networks of one resolution.
func stageName(_ run: RunSummary) -> String { run.architecture.lowercased().contains("msd") ? "block" : "sub-network" }

/// 1-based sub-network number, or "-" when the run's config was not available.
func subnetworkText(_ subnetwork: Int) -> String { subnetwork >= 0 ? String(subnetwork + 1) : "-" }

/// Exit label, 1-based like in the papers.
func exitName(_ index: Int) -> String { "exit \(index + 1)" }
