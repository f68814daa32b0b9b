// Callers of the store name its records (RunRecord, SampleRecord, ...) without importing a second module.
import ExperimentRecords
import Foundation
import GRDB

/// The SQLite (WAL) store shared by the trainer, the evaluator, the CLI and the dashboard.
///
/// One process writes while any number of processes read; readers never block the writer. Open one store per
/// process and share it: it is `Sendable`, and GRDB serialises writes and pools readers.
public final class ExperimentStore: Sendable {
    /// Path of the database file.
    public let path: String
    /// A "running" run whose heartbeat is older than this many seconds is reported as interrupted.
    public let staleHeartbeatInterval: TimeInterval
    /// How long a write waits for another process's write lock before failing with `StoreError.locked`.
    public let busyTimeout: TimeInterval
    /// Directory that relative checkpoint paths in this store are relative to: the store file's own, or for a
    /// temporary copy (`openCopy`) the original's.
    public let checkpointBase: String
    let pool: DatabasePool

    /// Opens (creating and migrating if needed) the store at `path`.
    ///
    /// Refuses, without modifying anything: a missing directory, a directory path, a read-only file, a file that
    /// is not SQLite, a SQLite file ranet did not create, and a store with a newer schema.
    public init(
        path: String, staleHeartbeatInterval: TimeInterval = 60, busyTimeout: TimeInterval = 5,
        checkpointBase: String? = nil
    ) throws {
        self.path = path
        self.staleHeartbeatInterval = staleHeartbeatInterval
        self.busyTimeout = busyTimeout
        self.checkpointBase = checkpointBase ?? Self.directory(of: path)
        let content = try StoreFileCheck.inspect(path: path)
        if content != .absentOrEmpty { try Self.refuseNewerSchemaFromHeader(path: path) }
        // Opening a pool writes (WAL switch, GRDB's WAL-file setup): a damaged store is found read-only first.
        if content == .ranetStore { try Self.probeReadOnly(path: path, busyTimeout: busyTimeout) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "ranet-store"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            if try pool.read({ try Schema.needsMigration($0, path: path) }) {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        try Schema.migrate(db, path: path)
                        return .commit
                    }
                }
            }
        } catch {
            throw StoreError.from(error, path: path, busyTimeout: busyTimeout)
        }
    }

    /// Opens the store at `StoreLocation.resolve(explicit:)`.
    public convenience init(resolving explicit: String?, staleHeartbeatInterval: TimeInterval = 60) throws {
        try self.init(path: StoreLocation.resolve(explicit: explicit), staleHeartbeatInterval: staleHeartbeatInterval)
    }

    /// Schema version this build writes.
    public static var schemaVersion: Int { Schema.currentVersion }

    /// Schema version recorded in the open store.
    public func storedSchemaVersion() throws -> Int {
        try read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 }
    }

    /// Runs `body` in a read transaction (a consistent snapshot), mapping SQLite errors to `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw StoreError.from(error, path: path, busyTimeout: busyTimeout) }
    }

    /// Runs `body` in one immediate write transaction, mapping SQLite errors to `StoreError`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw StoreError.from(error, path: path, busyTimeout: busyTimeout) }
    }

    /// Whole-file checks up to this size on open (a few tens of milliseconds); larger stores get the schema read.
    static let quickCheckLimit = 32 << 20

    /// Reads the schema (and, for stores up to `quickCheckLimit`, runs `PRAGMA quick_check`) over a read-only
    /// connection, so a damaged store is refused before any connection that may write opens it.
    private static func probeReadOnly(path: String, busyTimeout: TimeInterval) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
                if size <= quickCheckLimit {
                    let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
                    if problems != ["ok"] {
                        throw StoreError.corrupt(path: path, detail: problems.prefix(3).joined(separator: "; "))
                    }
                }
            }
        } catch {
            throw StoreError.from(error, path: path, busyTimeout: busyTimeout)
        }
    }

    /// Refuses a newer schema by reading `user_version` (header offset 60) before SQLite touches the file, so
    /// not even the journal mode of a newer store is changed. The in-database check in `Schema` covers a version
    /// that only lives in the WAL so far.
    private static func refuseNewerSchemaFromHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 64), header.count == 64 else { return }
        let version = Array(header)[60..<64].reduce(0) { ($0 << 8) | Int($1) }
        if version > Schema.currentVersion {
            throw StoreError.newerSchema(path: path, found: version, supported: Schema.currentVersion)
        }
    }
}

extension Date {
    /// Seconds since 1970 as stored in REAL columns.
    var storeSeconds: Double { timeIntervalSince1970 }

    /// Date from a REAL column.
    init(storeSeconds: Double) { self.init(timeIntervalSince1970: storeSeconds) }
}

extension ExperimentStore {
    /// Runs SQLite's `PRAGMA quick_check`; returns the problems found (empty when the file is sound).
    public func quickCheck() throws -> [String] {
        let lines = try read { try String.fetchAll($0, sql: "PRAGMA quick_check") }
        return lines == ["ok"] ? [] : lines
    }

    /// Number of rows in one table; tests use it to check that deletes and crashes leave the right rows.
    func rowCount(table: String) throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0 }
    }

    /// Executes raw SQL in a write transaction; only tests use it, to fake other schema versions.
    func executeForTesting(_ sql: String) throws {
        try write { try $0.execute(sql: sql) }
    }
}

extension ExperimentStore {
    /// The store's random identity (32 hex digits, made by the schema-2 migration): checkpoints carry it so a file
    /// written for another store's run is recognised, and their default names start with it so two stores in one
    /// folder never share a checkpoint path.
    public func storeID() throws -> String {
        guard let id = try read({ try String.fetchOne($0, sql: "SELECT store_id FROM store_identity") }) else {
            throw StoreError.corrupt(path: path, detail: "the store_identity table is empty")
        }
        return id
    }

    /// Every checkpoint file some run of this store records (relative paths resolved: `checkpointFile`).
    public func recordedCheckpointPaths() throws -> [(runID: Int64, path: String)] {
        try runs().flatMap { run in run.checkpointPaths.map { (run.id ?? 0, checkpointFile($0)) } }
    }

    /// The checkpoint files the runs of the ranet store at `path` record, read over a read-only connection (opening
    /// a store for writing sets up its WAL): what a command checks its `--out` against before it opens the store.
    /// Empty when `path` is not a ranet store; throws when it is one that cannot be read (so an output is never
    /// checked against nothing).
    public static func recordedCheckpointPaths(readingOnly path: String) throws -> [(runID: Int64, path: String)] {
        guard (try? StoreFileCheck.inspect(path: path)) == .ranetStore else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        // Another process's checkpoint or WAL reset holds the locks for a moment: wait as the store does.
        configuration.busyMode = .timeout(5)
        let rows: [Row]
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            rows = try queue.read { try Row.fetchAll($0, sql: "SELECT id, checkpoint_paths FROM runs") }
        } catch {
            throw StoreError.from(error, path: path, busyTimeout: 5)
        }
        return rows.flatMap { row -> [(runID: Int64, path: String)] in
            let id: Int64 = row["id"]
            let json: String = row["checkpoint_paths"]
            let paths = (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
            return paths.map { (id, checkpointFile($0, base: directory(of: path))) }
        }
    }
}
