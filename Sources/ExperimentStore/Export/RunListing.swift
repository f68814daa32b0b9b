import ExperimentRecords
import Foundation

/// Text and JSON renderings of the run list (`ranet runs`).
public enum RunListing {
    /// One object of `ranet runs --json`.
    struct Entry: Codable, Equatable {
        var id: Int64
        var name: String
        var status: String
        var dataset: String
        var architecture: String
        var epochsDone: Int
        var epochsPlanned: Int
        var steps: Int
        var bestLastExitAccuracy: Float?
        var lastExitFLOPs: Int64?
        var createdAt: Date
        var heartbeatAt: Date
        var checkpoints: [String]
        var notes: String
        /// The run this one was trained from (IMTA stage 2), if any.
        var parentRun: Int64?
    }

    /// A JSON array of objects with `id`, `name`, `status` and the other list columns.
    public static func json(_ summaries: [RunSummary]) throws -> String {
        if summaries.isEmpty { return "[]" }
        let entries = summaries.map { summary in
            Entry(
                id: summary.run.id ?? 0, name: summary.run.name, status: summary.run.status.rawValue,
                dataset: summary.run.dataset, architecture: summary.run.architecture,
                epochsDone: summary.run.epochsDone, epochsPlanned: summary.run.epochsPlanned, steps: summary.stepCount,
                bestLastExitAccuracy: summary.bestLastExitAccuracy, lastExitFLOPs: summary.lastExitFLOPs,
                createdAt: summary.run.createdAt, heartbeatAt: summary.run.heartbeatAt,
                checkpoints: summary.run.checkpointPaths, notes: summary.run.notes, parentRun: summary.run.parentRunID)
        }
        return String(decoding: try StoreJSON.encoder().encode(entries), as: UTF8.self)
    }

    /// An aligned text table, one line per run (a hint line when there are none).
    public static func table(_ summaries: [RunSummary]) -> String {
        guard !summaries.isEmpty else { return "no runs yet (train one with `ranet train`)" }
        let header = ["ID", "NAME", "STATUS", "DATASET", "ARCH", "EPOCHS", "BEST ACC", "FLOPS"]
        let rows = summaries.map { summary -> [String] in
            let run = summary.run
            return [
                "\(run.id ?? 0)", run.parentRunID.map { "\(run.name) (from run \($0))" } ?? run.name,
                run.status.rawValue, run.dataset, run.architecture,
                "\(run.epochsDone)/\(run.epochsPlanned)",
                summary.bestAccuracyPercent.map { String(format: "%.2f%%", $0) } ?? "-",
                summary.lastExitFLOPs.map(formatFLOPs) ?? "-",
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        return ([header] + rows).map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// FLOPs with an SI suffix, e.g. 15.3M.
    public static func formatFLOPs(_ flops: Int64) -> String {
        let value = Double(flops)
        for (suffix, scale) in [("G", 1e9), ("M", 1e6), ("K", 1e3)] where value >= scale {
            return String(format: "%.1f%@", value / scale, suffix)
        }
        return "\(flops)"
    }
}
