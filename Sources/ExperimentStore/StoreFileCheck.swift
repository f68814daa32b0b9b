import Foundation

/// Checks done on the store path before SQLite sees it, so a wrong path never turns into a new empty store
/// and a non-SQLite file is never modified.
enum StoreFileCheck {
    /// The 16 bytes every SQLite 3 database file starts with.
    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// Whether the file exists with content (false: SQLite will create / initialise it).
    @discardableResult
    static func validate(path: String) throws -> Bool {
        let fileManager = FileManager.default
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.missingDirectory(path: path, directory: directory)
        }
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            guard fileManager.isWritableFile(atPath: directory) else {
                throw StoreError.readOnly(path: path, reason: "cannot create files in \(directory)")
            }
            return false
        }
        if isDirectory.boolValue { throw StoreError.pathIsDirectory(path: path) }
        try checkWritable(path: path, directory: directory)
        let header = try readHeader(path: path)
        if header.isEmpty { return false }
        guard header == sqliteHeader else { throw StoreError.notSQLite(path: path) }
        return true
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

    /// First 16 bytes of the file (fewer if it is shorter; empty for an empty file).
    private static func readHeader(path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.readOnly(path: path, reason: "file cannot be opened for reading")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: sqliteHeader.count)) ?? Data()
        return Array(data)
    }
}
