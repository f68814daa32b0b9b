import Foundation
import GRDB

/// Everything that can go wrong when opening or using an experiment store; every case names the store path.
public enum StoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The directory that should hold the store does not exist.
    case missingDirectory(path: String, directory: String)
    /// The store path names a directory, not a file.
    case pathIsDirectory(path: String)
    /// The store path is a FIFO, device or socket: reading it could block or consume someone else's data.
    case notRegularFile(path: String, kind: String)
    /// The store file (or its directory) cannot be written.
    case readOnly(path: String, reason: String)
    /// The file exists, is not empty and does not start with the SQLite header.
    case notSQLite(path: String)
    /// The file is a SQLite database that ranet did not create (it has tables but no ranet schema version).
    case foreignDatabase(path: String)
    /// The store was written by a newer ranet with a schema this build does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// Another process holds the write lock longer than the busy timeout.
    case locked(path: String, seconds: Double)
    /// SQLite reports the file as damaged.
    case corrupt(path: String, detail: String)
    /// Any other SQLite failure.
    case database(path: String, detail: String)
    /// A record given to the store is inconsistent (e.g. per-exit arrays of different lengths).
    case invalidRecord(String)
    /// A referenced run or evaluation does not exist.
    case notFound(String)

    /// What went wrong and where, in one sentence.
    public var description: String {
        switch self {
        case .missingDirectory(let path, let directory):
            return "store \(path): directory \(directory) does not exist (create it, or pass --store / $RANET_STORE)"
        case .pathIsDirectory(let path):
            return "store \(path) is a directory, expected a SQLite file path"
        case .notRegularFile(let path, let kind):
            return "store \(path) is \(kind), not a regular file; refusing to open it"
        case .readOnly(let path, let reason):
            return "store \(path) is read-only (\(reason)); ranet needs write access even to read (WAL index)"
        case .notSQLite(let path):
            return "store \(path) is not a SQLite database (bad header); refusing to touch it"
        case .foreignDatabase(let path):
            return "store \(path) is a SQLite database not created by ranet; refusing to add tables to it"
        case .newerSchema(let path, let found, let supported):
            return "store \(path) has schema version \(found) but this ranet supports up to \(supported); "
                + "upgrade ranet (the store was not modified)"
        case .locked(let path, let seconds):
            return "store \(path) is locked by another process (waited \(seconds) s); try again when it finishes"
        case .corrupt(let path, let detail):
            return "store \(path) is corrupt: \(detail)"
        case .database(let path, let detail):
            return "store \(path): \(detail)"
        case .invalidRecord(let message):
            return "invalid record: \(message)"
        case .notFound(let message):
            return "not found: \(message)"
        }
    }

    /// Same as `description`, for Foundation callers.
    public var errorDescription: String? { description }

    /// Translates a SQLite/GRDB error into a store error that names the path.
    static func from(_ error: any Error, path: String, busyTimeout: Double) -> any Error {
        if error is StoreError { return error }
        guard let dbError = error as? DatabaseError else { return error }
        let detail = dbError.message ?? "\(dbError)"
        switch dbError.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError.locked(path: path, seconds: busyTimeout)
        case .SQLITE_NOTADB:
            return StoreError.notSQLite(path: path)
        case .SQLITE_CORRUPT:
            return StoreError.corrupt(path: path, detail: detail)
        case .SQLITE_READONLY, .SQLITE_PERM:
            return StoreError.readOnly(path: path, reason: detail)
        default:
            return StoreError.database(path: path, detail: detail)
        }
    }
}
