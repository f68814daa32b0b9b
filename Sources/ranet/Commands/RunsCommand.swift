import ArgumentParser
import ExperimentStore

/// `ranet runs`: list the runs in the store.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs: id, name, status, dataset, architecture, epochs, best last-exit accuracy, FLOPs.",
        discussion: "A run still marked running whose heartbeat is older than 60 s is shown as interrupted.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(name: .long, help: "Print a JSON array of objects (id, name, status, ...) instead of a table.")
    var json = false

    func run() throws {
        let summaries = try storeOptions.openStore().runSummaries()
        print(json ? try RunListing.json(summaries) : RunListing.table(summaries))
    }
}
