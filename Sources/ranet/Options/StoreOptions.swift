import ArgumentParser
import ExperimentStore
import Foundation
import Synchronization

/// `--store PATH`, shared by every command that reads or writes experiments.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            Experiment store (SQLite). Default: $RANET_STORE, else ./ranet.sqlite (commands that read runs: else the \
            bundled sample-data/ranet.sqlite).
            """)
    var store: String?

    /// The store path after applying `$RANET_STORE` and the default.
    var resolvedPath: String { StoreLocation.resolve(explicit: store) }

    /// Opens (creating on first use) the resolved store.
    func openStore() throws -> ExperimentStore {
        try ExperimentStore(path: resolvedPath)
    }

    /// Opens the store for a command that reads runs: as `openStore()`, except that with no store named and no
    /// ./ranet.sqlite it opens a temporary copy of the bundled sample store (its weights resolve beside the
    /// original), says so on stderr, and deletes the copy when the process exits.
    func openStoreForReading() throws -> ExperimentStore {
        guard let sample = StoreLocation.bundledSampleFallback(explicit: store) else { return try openStore() }
        FileHandle.standardError.write(
            Data(
                ("no ./ranet.sqlite: reading the bundled sample store \(sample) through a temporary copy (what this "
                    + "command records is not kept; --store PATH or $RANET_STORE for your own)\n").utf8))
        let copy = try ExperimentStore.openCopy(of: sample)
        BundledCopies.removeAtExit(copy)
        return copy
    }
}

/// Temporary store copies to delete when the process exits normally.
private enum BundledCopies {
    static let pending = Mutex<[ExperimentStore]>([])

    static func removeAtExit(_ store: ExperimentStore) {
        let isFirst = pending.withLock { list in
            list.append(store)
            return list.count == 1
        }
        if isFirst {
            atexit {
                for store in BundledCopies.pending.withLock({ $0 }) { ExperimentStore.removeCopy(store) }
            }
        }
    }
}
