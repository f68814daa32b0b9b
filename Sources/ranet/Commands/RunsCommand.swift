import AdaptiveNets
import ArgumentParser
import ExperimentStore

/// `ranet runs`: list the runs in the store.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs: id, name, status, dataset, architecture, epochs, best last-exit accuracy, FLOPs.",
        discussion: """
            A run still marked running whose heartbeat is older than 60 s is shown as interrupted. FLOPs are the last \
            exit's cumulative FLOPs of the newest evaluation, else of the run's model config (runs logged from PyTorch \
            with a ranet config included).
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Flag(name: .long, help: "Print a JSON array of objects (id, name, status, ...) instead of a table.")
    var json = false

    func run() throws {
        let cache = ConfigFlopsCache()
        let store = try storeOptions.openStoreForReading()
        let summaries = try store.runSummaries().map { summary in
            var summary = summary
            summary.lastExitFLOPs = summary.lastExitFLOPs ?? cache.lastExitFlops(configJSON: summary.configJSON)
            summary.run.checkpointPaths = summary.run.checkpointPaths.map(store.checkpointFile)
            return summary
        }
        print(json ? try RunListing.json(summaries) : RunListing.table(summaries))
    }
}
