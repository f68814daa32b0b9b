import Datasets
import Foundation
import SeededRandom
import TestSupport

/// A fresh temporary directory, removed when the value is released by `withTemporaryDirectory`.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("ranet-datasets-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Joins path components.
func join(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

/// Writes bytes to a file, creating parent folders.
func write(_ bytes: [UInt8], to path: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Big-endian 32-bit integer bytes.
func bigEndian(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

/// An IDX unsigned-byte file: magic 00 00 08 rank, sizes, data.
func idxBytes(dimensions: [Int], data: [UInt8]) -> [UInt8] {
    [0, 0, 0x08, UInt8(dimensions.count)] + dimensions.flatMap(bigEndian) + data
}

/// Deterministic pseudo-random pixels.
func pixelPattern(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

/// Compresses a file in place with the system gzip (`name` -> `name.gz`).
func gzipFile(_ path: String) throws {
    let status = try ChildProcess.run("/bin/gzip", ["-f", "--", path], timeout: 60).status
    guard status == 0 else { throw DatasetError.invalidArgument("gzip failed on \(path)") }
}

/// Writes an MNIST-layout pair (train- or t10k-) of `count` images of `height` x `width`; returns pixels and labels.
@discardableResult
func writeIDXPair(
    in directory: String, prefix: String, count: Int, height: Int = 5, width: Int = 4,
    gzip: Bool
) throws -> (pixels: [UInt8], labels: [UInt8]) {
    let pixels = pixelPattern(count: count * height * width, seed: UInt64(count))
    let labels = (0..<count).map { UInt8($0 % 10) }
    let images = join(directory, "\(prefix)-images-idx3-ubyte")
    let labelFile = join(directory, "\(prefix)-labels-idx1-ubyte")
    try write(idxBytes(dimensions: [count, height, width], data: pixels), to: images)
    try write(idxBytes(dimensions: [count], data: labels), to: labelFile)
    if gzip {
        try gzipFile(images)
        try gzipFile(labelFile)
    }
    return (pixels, labels)
}

/// CIFAR records: `labelBytes` label bytes (last one = label) then 3072 pixel bytes each.
func cifarRecords(labels: [UInt8], labelBytes: Int, seed: UInt64) -> (bytes: [UInt8], pixels: [UInt8]) {
    let pixels = pixelPattern(count: labels.count * 3072, seed: seed)
    var bytes = [UInt8]()
    for (index, label) in labels.enumerated() {
        bytes += Array(repeating: UInt8(7), count: labelBytes - 1) + [label]
        bytes += pixels[index * 3072..<(index + 1) * 3072]
    }
    return (bytes, pixels)
}
