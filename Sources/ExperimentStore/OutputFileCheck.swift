import Foundation
import InputFiles

/// Checks a path a command is about to write (`--out`) so that no user data is lost: the experiment store, a
/// checkpoint one of its runs records, any SQLite database and anything that is not a regular file are refused
/// always; another existing file only with `force`. The write itself must then go through a temporary file and a
/// rename, so a failure half-way leaves the old file as it was.
public enum OutputFileCheck {
    /// Refuses `path` as an output, or returns normally when writing it loses nothing the user did not ask to lose.
    /// - Parameters:
    ///   - storePath: the experiment store the command works with (its -wal and -shm files are refused too).
    ///   - recordedCheckpoints: the checkpoint paths that store's runs record.
    public static func check(
        _ path: String, force: Bool, storePath: String?, recordedCheckpoints: [(runID: Int64, path: String)]
    ) throws {
        guard !path.isEmpty else { throw OutputFileError(path: path, "the output path is empty") }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw OutputFileError(path: path, "directory \(directory) does not exist")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw OutputFileError(path: path, "cannot inspect it: \(String(cString: strerror(errno)))")
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            throw OutputFileError(
                path: path,
                "it is \(FileKind.name(of: info.st_mode)), not a regular file; "
                    + (kind == S_IFLNK ? "give the path of the file itself" : "write to a regular file"))
        }
        if let storePath {
            for candidate in [storePath, storePath + "-wal", storePath + "-shm"] where sameFile(candidate, info) {
                throw OutputFileError(path: path, "it is the experiment store \(storePath) (or one of its files)")
            }
        }
        for recorded in recordedCheckpoints where sameFile(recorded.path, info) {
            throw OutputFileError(path: path, "it is run \(recorded.runID)'s checkpoint \(recorded.path)")
        }
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            if let head = try? handle.read(upToCount: StoreFileCheck.sqliteHeader.count),
                Array(head) == StoreFileCheck.sqliteHeader
            {
                throw OutputFileError(path: path, "it is a SQLite database (an experiment store?)")
            }
        }
        guard force else {
            throw OutputFileError(path: path, "the file exists; pass --force to replace it")
        }
    }

    /// Whether `candidate` names the same file (device and inode) as `info`.
    private static func sameFile(_ candidate: String, _ info: stat) -> Bool {
        var other = stat()
        return stat(candidate, &other) == 0 && other.st_dev == info.st_dev && other.st_ino == info.st_ino
    }
}

/// An output path refused by `OutputFileCheck`, with the reason.
public struct OutputFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "refusing to write \(path): \(reason)" }
}
