import ArgumentParser
import ExperimentStore

/// `--store PATH`, shared by every command that reads or writes experiments.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Experiment store (SQLite). Default: $RANET_STORE, else ./ranet.sqlite.")
    var store: String?

    /// The store path after applying `$RANET_STORE` and the default.
    var resolvedPath: String { StoreLocation.resolve(explicit: store) }

    /// Opens (creating on first use) the resolved store.
    func openStore() throws -> ExperimentStore {
        try ExperimentStore(path: resolvedPath)
    }
}
