import ExperimentRecords
import Foundation

/// Checkpoint paths as runs record them. A path beneath the store's directory is recorded relative to it, so a store
/// moves (or ships, as the bundled sample does) together with its checkpoints; any other path is recorded absolute.
extension ExperimentStore {
    /// The file a recorded checkpoint path names: absolute paths as they are; a relative one beneath the store's
    /// directory, or, when nothing is there, as given from the working directory (how stores written before
    /// store-relative paths, and loggers given relative paths, recorded them).
    public func checkpointFile(_ recorded: String) -> String {
        Self.checkpointFile(recorded, base: checkpointBase)
    }

    /// The file of the run's latest checkpoint, nil when it has none.
    public func latestCheckpoint(of run: RunRecord) -> String? {
        run.checkpointPaths.last.map(checkpointFile)
    }

    static func checkpointFile(_ recorded: String, base: String) -> String {
        if recorded.hasPrefix("/") { return recorded }
        let beneathStore = URL(fileURLWithPath: base).appendingPathComponent(recorded).standardized.path
        if FileManager.default.fileExists(atPath: beneathStore) || !FileManager.default.fileExists(atPath: recorded) {
            return beneathStore
        }
        return recorded
    }

    /// How `path` is recorded in this store: relative to the store's directory when beneath it, else absolute.
    func recordedForm(of path: String) -> String {
        let file = URL(fileURLWithPath: path).standardized.path
        let base = URL(fileURLWithPath: checkpointBase).standardized.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : file
    }

    /// The directory holding the file at `path`, absolute.
    static func directory(of path: String) -> String {
        URL(fileURLWithPath: path).standardized.deletingLastPathComponent().path
    }

    /// Opens a temporary copy of the store at `original` (in a fresh directory of its own, which `removeCopy`
    /// deletes), for reading a store that must stay as it is (the bundled sample): SQLite in WAL mode writes next to
    /// the database, and whatever a command records goes to the copy. Relative checkpoint paths still resolve
    /// beside the original.
    public static func openCopy(of original: String) throws -> ExperimentStore {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ranet-store-copy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent(URL(fileURLWithPath: original).lastPathComponent)
        try FileManager.default.copyItem(atPath: original, toPath: copy.path)
        return try ExperimentStore(path: copy.path, checkpointBase: directory(of: original))
    }

    /// Deletes the temporary directory of a store made by `openCopy` (nothing else).
    public static func removeCopy(_ store: ExperimentStore) {
        let directory = URL(fileURLWithPath: store.path).deletingLastPathComponent()
        guard directory.lastPathComponent.hasPrefix("ranet-store-copy-") else { return }
        try? FileManager.default.removeItem(at: directory)
    }
}
