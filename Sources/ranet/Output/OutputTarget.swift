import ExperimentStore

/// `--out` paths: checked with `OutputFileCheck` against the store and its runs' checkpoints before the store is
/// opened for writing and before anything is computed or written.
enum OutputTarget {
    /// Refuses `out` (see `OutputFileCheck`), reading the store's recorded checkpoints read-only.
    static func check(_ out: String, force: Bool, storeOptions: StoreOptions) throws {
        let storePath = storeOptions.resolvedPath
        let recorded: [(runID: Int64, path: String)]
        do { recorded = try ExperimentStore.recordedCheckpointPaths(readingOnly: storePath) } catch {
            throw CLIError("cannot read the checkpoints of \(storePath) to check --out \(out) against them: \(error)")
        }
        do {
            try OutputFileCheck.check(out, force: force, storePath: storePath, recordedCheckpoints: recorded)
        } catch let error as OutputFileError {
            throw CLIError(error.description)
        }
    }
}
