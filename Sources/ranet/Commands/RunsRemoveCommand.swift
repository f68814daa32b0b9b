import ArgumentParser
import ExperimentStore

/// `ranet rm`: delete a run and all its rows in one transaction.
struct RunsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Delete a run with its metrics, evaluations, samples and budget curves (one transaction).")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Id of the run to delete (see `ranet runs`).")
    var id: Int64

    @Flag(help: "Delete even a run whose training process still looks alive (see `ranet train --help`, --force).")
    var force = false

    func run() throws {
        let store = try storeOptions.openStore()
        try store.requireNoLiveOwner(id: id, force: force, action: "delete it")
        guard try store.deleteRun(id: id) else {
            throw StoreError.notFound("run \(id) in \(store.path)")
        }
        print("deleted run \(id)")
    }
}
