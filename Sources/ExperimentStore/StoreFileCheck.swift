import Foundation
import GRDB
import InputFiles

/// Checks done on the store path before SQLite sees it, so a wrong path never turns into a new empty store
/// and a file that is not recognised as a ranet store is never modified (not even switched to WAL).
///
/// Everything here only reads: the file type from `stat`, then the 100-byte SQLite header. A FIFO or device is
/// refused before it is opened (opening a FIFO for reading blocks until a writer appears).
public enum StoreFileCheck {
    /// The 16 bytes every SQLite 3 database file starts with.
    static let sqliteHeader = Array("SQLite format 3\0".utf8)
    /// Length of the SQLite database header (https://www.sqlite.org/fileformat.html#the_database_header).
    static let headerLength = 100

    /// What a path holds, judged from `stat` and the first bytes alone.
    public enum Content: Equatable, Sendable {
        /// Nothing there, or an empty file: SQLite will create / initialise a store.
        case absentOrEmpty
        /// A SQLite file carrying ranet's application id.
        case ranetStore
        /// A SQLite database with no tables and no schema version: safe to initialise as a store.
        case emptyDatabase
    }

    /// Whether the file exists with content (false: SQLite will create / initialise it).
    @discardableResult
    static func validate(path: String) throws -> Bool {
        try inspect(path: path) != .absentOrEmpty
    }

    /// Classifies `path`, throwing `StoreError` for everything ranet must not open as a store.
    public static func inspect(path: String) throws -> Content {
        let fileManager = FileManager.default
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.missingDirectory(path: path, directory: directory)
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno != ENOENT {
                throw StoreError.readOnly(path: path, reason: String(cString: strerror(errno)))
            }
            guard fileManager.isWritableFile(atPath: directory) else {
                throw StoreError.readOnly(path: path, reason: "cannot create files in \(directory)")
            }
            return .absentOrEmpty
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw StoreError.pathIsDirectory(path: path)
        default: throw StoreError.notRegularFile(path: path, kind: FileKind.name(of: info.st_mode))
        }
        try checkWritable(path: path, directory: directory)
        let header = try readHeader(path: path)
        if header.isEmpty { return .absentOrEmpty }
        guard header.count >= sqliteHeader.count, Array(header.prefix(sqliteHeader.count)) == sqliteHeader else {
            throw StoreError.notSQLite(path: path)
        }
        guard header.count == headerLength else {
            throw StoreError.corrupt(
                path: path, detail: "the file ends inside the SQLite header (\(header.count) bytes)")
        }
        if bigEndian(header, at: 68) == UInt32(bitPattern: Schema.applicationID) { return .ranetStore }
        // Not ours: only a database without any table (one page, no schema version) may become a store.
        let userVersion = bigEndian(header, at: 60)
        if userVersion == 0, pageCount(header: header, fileSize: Int(info.st_size)) <= 1 { return .emptyDatabase }
        // The file's header lags behind a WAL that is not checkpointed yet (a new store another process keeps
        // open): ask SQLite over a read-only connection, which reads through the WAL and writes nothing.
        if walHasContent(path) { return try identityThroughWAL(path: path) }
        throw StoreError.foreignDatabase(path: path)
    }

    private static func walHasContent(_ path: String) -> Bool {
        var info = stat()
        return stat(path + "-wal", &info) == 0 && info.st_size > 0
    }

    private static func identityThroughWAL(path: String) throws -> Content {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let (applicationID, version, tables): (Int32, Int, Int)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            (applicationID, version, tables) = try queue.read { db in
                (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                    try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                )
            }
        } catch {
            throw StoreError.from(error, path: path, busyTimeout: 5)
        }
        if applicationID == Schema.applicationID { return .ranetStore }
        if version == 0, tables == 0 { return .emptyDatabase }
        throw StoreError.foreignDatabase(path: path)
    }

    /// Pages in the database: the header's count when SQLite marks it valid, else the file size over the page size.
    private static func pageCount(header: [UInt8], fileSize: Int) -> Int {
        let changeCounter = bigEndian(header, at: 24)
        let validFor = bigEndian(header, at: 92)
        let inHeader = Int(bigEndian(header, at: 28))
        if inHeader > 0, changeCounter == validFor { return inHeader }
        let rawPageSize = Int(header[16]) << 8 | Int(header[17])
        let pageSize = rawPageSize == 1 ? 65_536 : max(rawPageSize, 512)
        return (fileSize + pageSize - 1) / pageSize
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Rejects files without any write permission bit: even root (for whom access(2) always succeeds) must not
    /// write into a store the user marked read-only.
    private static func checkWritable(path: String, directory: String) throws {
        let fileManager = FileManager.default
        let attributes = try? fileManager.attributesOfItem(atPath: path)
        let permissions = (attributes?[.posixPermissions] as? NSNumber)?.intValue ?? 0o644
        if permissions & 0o222 == 0 || !fileManager.isWritableFile(atPath: path) {
            throw StoreError.readOnly(path: path, reason: "file has no write permission")
        }
        if !fileManager.isWritableFile(atPath: directory) {
            throw StoreError.readOnly(path: path, reason: "directory \(directory) is not writable (WAL files)")
        }
    }

    /// The SQLite header (fewer bytes if the file is shorter; empty for an empty file).
    private static func readHeader(path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.readOnly(path: path, reason: "file cannot be opened for reading")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: headerLength)) ?? Data()
        return Array(data)
    }
}
