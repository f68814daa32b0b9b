import Foundation

/// Packs fixed-width numbers into little-endian blobs (one blob per per-exit array) and back.
enum BlobCoding {
    /// Encodes an array of fixed-width numbers as little-endian bytes.
    static func encode<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var data = Data(capacity: values.count * MemoryLayout<T>.size)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// Encodes Float32 values by their IEEE bit patterns, little-endian.
    static func encode(_ values: [Float]) -> Data {
        encode(values.map(\.bitPattern))
    }

    /// Decodes a little-endian blob; the byte count must be a multiple of the element size.
    static func decode<T: FixedWidthInteger>(_ data: Data, as type: T.Type, column: String) throws -> [T] {
        let size = MemoryLayout<T>.size
        guard data.count % size == 0 else {
            throw StoreError.invalidRecord("column \(column): blob of \(data.count) bytes is not a multiple of \(size)")
        }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }

    /// Decodes a blob written by `encode(_: [Float])`.
    static func decodeFloats(_ data: Data, column: String) throws -> [Float] {
        try decode(data, as: UInt32.self, column: column).map(Float.init(bitPattern:))
    }

    /// Appends `count` little-endian values from `data` into `target` at `start`, `stride` apart (used to
    /// scatter one sample's per-exit values into exit-major arrays without intermediate arrays).
    static func scatterFloats(_ data: Data, count: Int, into target: inout [Float], start: Int, stride: Int) -> Bool {
        guard data.count == count * 4 else { return false }
        data.withUnsafeBytes { raw in
            for exit in 0..<count {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: exit * 4, as: UInt32.self))
                target[start + exit * stride] = Float(bitPattern: bits)
            }
        }
        return true
    }

    /// Integer counterpart of `scatterFloats`.
    static func scatterInt32(_ data: Data, count: Int, into target: inout [Int32], start: Int, stride: Int) -> Bool {
        guard data.count == count * 4 else { return false }
        data.withUnsafeBytes { raw in
            for exit in 0..<count {
                let value = raw.loadUnaligned(fromByteOffset: exit * 4, as: Int32.self)
                target[start + exit * stride] = Int32(littleEndian: value)
            }
        }
        return true
    }
}
