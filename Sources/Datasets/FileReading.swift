import CZlib
import Foundation
import InputFiles

/// Reads a whole file, transparently decompressing gzip content (detected by its magic bytes, not its name).
/// - Parameter needed: given the bytes decompressed so far, how many the content needs in all (nil: not known
///   yet); decompression stops there, so a small header followed by a gzip bomb is not inflated whole.
func readDataFile(_ path: String, needed: (([UInt8]) -> Int?)? = nil) throws -> [UInt8] {
    let bytes: [UInt8]
    do { bytes = [UInt8](try InputFile.read(path)) } catch {
        throw DatasetError.badFormat(path: path, reason: "cannot read the file: it \(error.reason)")
    }
    guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
    return try gunzip(path: path, bytes: bytes, needed: needed)
}

/// Decompresses gzip content with zlib, in process (a child `gzip` would need Foundation's Process, whose
/// waitUntilExit has been seen to hang on Linux after the child exited). Concatenated gzip members are read in turn.
func gunzip(path: String, bytes: [UInt8], needed: (([UInt8]) -> Int?)? = nil) throws -> [UInt8] {
    var stream = z_stream()
    guard ranet_inflate_init_gzip(&stream) == Z_OK else {
        throw DatasetError.decompressionFailed(path: path, reason: "zlib could not start a decoder")
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8]()
    output.reserveCapacity(min(bytes.count * 4, 1 << 30))
    var limit: Int?
    var chunk = [UInt8](repeating: 0, count: 1 << 18)
    var input = bytes
    let total = input.count
    var status = Z_OK
    try input.withUnsafeMutableBufferPointer { source in
        stream.next_in = source.baseAddress
        stream.avail_in = UInt32(total)
        while true {
            let produced: Int = chunk.withUnsafeMutableBufferPointer { target in
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return target.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
            if let needed, limit == nil { limit = needed(output) }
            if let limit, output.count >= limit {
                output.removeLast(output.count - limit)
                return
            }
            if status == Z_STREAM_END {
                // Another gzip member may follow (as `cat a.gz b.gz` makes); trailing zero padding ends the file.
                let rest = UnsafeBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
                if rest.allSatisfy({ $0 == 0 }) { return }
                guard inflateReset(&stream) == Z_OK else { break }
                continue
            }
            if status == Z_OK { continue }
            if status == Z_BUF_ERROR && stream.avail_in == 0 {
                status = Z_DATA_ERROR
                break
            }
            break
        }
        let detail = stream.msg.map { String(cString: $0) } ?? ""
        let reason =
            status == Z_DATA_ERROR && detail.isEmpty
            ? "the gzip data ends early (truncated file?)" : "zlib: \(detail.isEmpty ? "error \(status)" : detail)"
        throw DatasetError.decompressionFailed(path: path, reason: reason)
    }
    return output
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
