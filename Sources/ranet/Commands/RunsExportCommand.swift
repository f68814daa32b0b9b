import ArgumentParser
import ExperimentStore
import Foundation

extension ExportFormat: ExpressibleByArgument {}
extension ExportContent: ExpressibleByArgument {}

/// `ranet export`: write a run's metrics, evaluations or per-sample records as CSV or JSON.
struct RunsExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's metrics, epochs, evaluations, per-sample records or budget curves as CSV or JSON.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("run"), help: "Run id (see `ranet runs`).")
    var runID: Int64

    @Option(name: .long, help: "Output format: csv or json.")
    var format: ExportFormat = .csv

    @Option(
        name: .long, help: "What to export: metrics (per step), epochs, evaluations, samples or curves (budget curves)."
    )
    var what: ExportContent = .metrics

    @Option(
        name: .long,
        help: "Evaluation id for --what samples or curves (default: the newest for samples, all for curves).")
    var evaluation: Int64?

    @Option(name: .long, help: "Write to this file instead of stdout (atomically; never the store or a checkpoint).")
    var out: String?

    @Flag(help: "Replace --out if it exists.") var force = false

    func run() throws {
        if let out { try OutputTarget.check(out, force: force, storeOptions: storeOptions) }
        let text = try storeOptions.openStoreForReading().export(
            runID: runID, content: what, format: format, evaluationID: evaluation)
        guard let out else {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw ValidationError("cannot write export to \(out): \(error.localizedDescription)")
        }
    }
}
