import Foundation

/// Reading a whole input file that a user (or a stranger) handed to ranet, with one kind of error that says what
/// is wrong in words: missing, a directory, a FIFO or device (never opened: reading a FIFO blocks until someone
/// writes), unreadable, or larger than the caller allows.
public enum InputFile {
    /// The bytes of the regular file at `path`.
    /// - Parameter maximumBytes: files larger than this are refused before reading.
    public static func read(_ path: String, maximumBytes: Int = Int.max) throws(InputFileError) -> Data {
        let size = try regularFileSize(path)
        guard size <= maximumBytes else {
            throw InputFileError(path: path, "is \(size) bytes, more than the \(maximumBytes) allowed here")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputFileError(path: path, reason(errno))
        }
        defer { try? handle.close() }
        do { return try handle.readToEnd() ?? Data() } catch {
            throw InputFileError(path: path, "cannot be read (\(error.localizedDescription))")
        }
    }

    /// The size of the regular file at `path`; throws for a missing path or anything not a regular file.
    public static func regularFileSize(_ path: String) throws(InputFileError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw InputFileError(path: path, reason(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw InputFileError(path: path, "is \(FileKind.name(of: info.st_mode)), not a regular file")
        }
        return Int(info.st_size)
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "does not exist"
        case EACCES: return "cannot be opened (permission denied)"
        case ENOTDIR: return "does not exist (a part of the path is not a directory)"
        default: return "cannot be opened (\(String(cString: strerror(code))))"
        }
    }
}

/// An input file that cannot be used; the description starts with the path.
public struct InputFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path) \(reason)" }
}

/// Names of file types for messages ("a FIFO (named pipe)"), from `stat`'s mode.
public enum FileKind {
    public static func name(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }
}
