import Foundation

/// Reads a whole file, transparently decompressing gzip content (detected by its magic bytes, not its name).
func readDataFile(_ path: String) throws -> [UInt8] {
    let bytes: [UInt8]
    do {
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw DatasetError.badFormat(path: path, reason: "cannot read the file: \(error.localizedDescription)")
    }
    guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
    return try gunzip(path: path)
}

/// Decompresses a gzip file with the system's `gzip -dc`: zlib has no Swift module map in this package, and
/// gzip is part of every Debian/Ubuntu base system, so a child process is the simplest robust decoder.
func gunzip(path: String) throws -> [UInt8] {
    guard let gzip = ["/bin/gzip", "/usr/bin/gzip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else { throw DatasetError.decompressionFailed(path: path, reason: "no gzip executable in /bin or /usr/bin") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gzip)
    process.arguments = ["-dc", "--", path]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch {
        throw DatasetError.decompressionFailed(path: path, reason: "cannot start \(gzip): \(error.localizedDescription)")
    }
    // Drain stdout before waiting, or gzip blocks on a full pipe; its stderr is at most a line or two.
    let decompressed = output.fileHandleForReading.readDataToEndOfFile()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        throw DatasetError.decompressionFailed(path: path, reason: text.isEmpty
            ? "gzip exited with status \(process.terminationStatus)" : text)
    }
    return [UInt8](decompressed)
}

/// The first of `names` that exists in `directory`, as a full path.
func firstExisting(_ names: [String], in directory: String) -> String? {
    names.lazy.map { (directory as NSString).appendingPathComponent($0) }
        .first { FileManager.default.fileExists(atPath: $0) }
}

/// Non-empty, trimmed lines of a text file (class-name lists such as CIFAR's batches.meta.txt).
func readNameList(_ path: String) throws -> [String] {
    let bytes = try readDataFile(path)
    return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
