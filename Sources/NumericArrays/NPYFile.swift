import Foundation
import InputFiles

/// A problem with a numeric array file; the message names the file and says what is wrong.
public struct NumericArrayError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// An n-dimensional array read from a .npy or safetensors file, as Float32 (integers converted exactly up to 2^24).
public struct NumericArray: Sendable {
    public var shape: [Int]
    public var values: [Float]
    /// Where it came from, for error messages ("val.npy" or "test.safetensors:logits").
    public var source: String

    public init(shape: [Int], values: [Float], source: String) {
        self.shape = shape
        self.values = values
        self.source = source
    }
}

/// Reader of NumPy .npy files (format versions 1-3, C order, little-endian or byte-sized dtypes).
///
/// Every problem is a `NumericArrayError` naming the file: bad magic, unreadable header, Fortran order, unsupported dtype,
/// and a data section shorter or longer than the shape needs (a truncated download, a file cut by a full disk).
public enum NPYFile {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public static func read(_ path: String) throws -> NumericArray {
        do { _ = try InputFile.regularFileSize(path) } catch {
            throw NumericArrayError(error.reason == "does not exist" ? "\(path): file not found" : "\(error)")
        }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw NumericArrayError("\(path): cannot read the file")
        }
        return try data.withUnsafeBytes { try parse($0, path: path) }
    }

    /// Parses the bytes of a whole .npy file (read in place: a multi-gigabyte file is not copied).
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NumericArray {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NumericArrayError("\(path): not a .npy file (no \\x93NUMPY magic; \(bytes.count) bytes)")
        }
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard major >= 1, major <= 3, bytes.count >= 8 + lengthBytes else {
            throw NumericArrayError("\(path): unsupported .npy format version \(major).\(bytes[7])")
        }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count else {
            throw NumericArrayError(
                "\(path): truncated .npy file (header says \(headerLength) bytes, the file has \(bytes.count))")
        }
        let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        let (descr, shape) = try parseHeader(header, path: path)
        guard let dtype = DType(descr: descr) else {
            throw NumericArrayError(
                "\(path): dtype '\(descr)' is not supported (use float32/float64/float16 or an integer type, little-endian)"
            )
        }
        // Checked products: a lying header may claim sizes whose product wraps around 64 bits.
        var needed = dtype.width
        for size in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw NumericArrayError("\(path): shape \(shape) of '\(descr)' is too large to address")
            }
            needed = product
        }
        let count = needed / dtype.width
        let available = bytes.count - dataStart
        guard available == needed else {
            let what = available < needed ? "truncated" : "has trailing bytes"
            throw NumericArrayError(
                "\(path): \(what): \(available) data bytes, shape \(shape) of '\(descr)' needs \(needed)")
        }
        let values = dtype.decode(UnsafeRawBufferPointer(rebasing: bytes[dataStart...]), count: count)
        return NumericArray(shape: shape, values: values, source: path)
    }

    /// The `descr` and `shape` of a header like `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    static func parseHeader(_ header: String, path: String) throws -> (String, [Int]) {
        func capture(_ pattern: String) -> String? {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: header, range: NSRange(header.startIndex..., in: header)),
                let range = Range(match.range(at: 1), in: header)
            else { return nil }
            return String(header[range])
        }
        guard let descr = capture(#"['"]descr['"]\s*:\s*['"]([^'"]+)['"]"#),
            let shapeText = capture(#"['"]shape['"]\s*:\s*\(([^)]*)\)"#)
        else {
            throw NumericArrayError(
                "\(path): .npy header has no descr or shape: \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        if capture(#"['"]fortran_order['"]\s*:\s*(\w+)"#) == "True" {
            throw NumericArrayError("\(path): array is in Fortran order; save it with numpy.ascontiguousarray first")
        }
        let parts = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        let shape = parts.compactMap { Int($0) }
        guard shape.count == parts.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw NumericArrayError("\(path): .npy shape (\(shapeText)) is not a tuple of sizes")
        }
        return (descr, shape)
    }

    /// Element types read from .npy data.
    enum DType {
        case f16, f32, f64, i8, u8, i16, u16, i32, u32, i64, u64, bool

        init?(descr: String) {
            let order = descr.first
            guard order == "<" || order == "|" || order == "=" else { return nil }
            let table: [String: DType] = [
                "f2": .f16, "f4": .f32, "f8": .f64, "i1": .i8, "u1": .u8, "i2": .i16, "u2": .u16,
                "i4": .i32, "u4": .u32, "i8": .i64, "u8": .u64, "b1": .bool,
            ]
            guard let type = table[String(descr.dropFirst())] else { return nil }
            self = type
        }

        var width: Int {
            switch self {
            case .i8, .u8, .bool: 1
            case .f16, .i16, .u16: 2
            case .f32, .i32, .u32: 4
            case .f64, .i64, .u64: 8
            }
        }

        func decode(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
            func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
                (0..<count).map {
                    T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))
                }
            }
            switch self {
            case .f16: return load(UInt16.self).map { Float(Float16(bitPattern: $0)) }
            case .f32: return load(UInt32.self).map { Float(bitPattern: $0) }
            case .f64: return load(UInt64.self).map { Float(Double(bitPattern: $0)) }
            case .i8: return load(Int8.self).map(Float.init)
            case .u8, .bool: return load(UInt8.self).map(Float.init)
            case .i16: return load(Int16.self).map(Float.init)
            case .u16: return load(UInt16.self).map(Float.init)
            case .i32: return load(Int32.self).map(Float.init)
            case .u32: return load(UInt32.self).map(Float.init)
            case .i64: return load(Int64.self).map(Float.init)
            case .u64: return load(UInt64.self).map(Float.init)
            }
        }
    }
}
