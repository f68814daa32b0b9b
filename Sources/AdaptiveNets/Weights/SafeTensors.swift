import Foundation
import InputFiles

/// A safetensors file: 8-byte little-endian header length, a JSON header of dtype/shape/data_offsets per tensor (plus
/// optional string `__metadata__`), then raw little-endian data. Tensors are read as Float32 (F64/F16/BF16/integer
/// dtypes are converted).
public struct SafeTensorsFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    /// How `serialized()` stores the values (reading converts any dtype to Float32).
    public enum Precision: String, Sendable {
        case float32 = "F32"
        /// Half the size; values are rounded to nearest and must lie within float16's range.
        case float16 = "F16"

        var byteWidth: Int { self == .float32 ? 4 : 2 }
    }

    public var tensors: [String: Entry]
    public var metadata: [String: String]
    /// Tensor names in file (offset) order.
    public var order: [String]
    public var precision = Precision.float32

    public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:], order: [String]? = nil) {
        self.tensors = tensors
        self.metadata = metadata
        self.order = order ?? tensors.keys.sorted()
    }

    public subscript(name: String) -> Entry? { tensors[name] }

    /// Reads and validates `path`; every inconsistency is a `WeightsError` naming the file and tensor.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.missingFile(path) }
        let data: Data
        do { data = try InputFile.read(path) } catch { throw WeightsError.unreadable(path, error.reason) }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws -> SafeTensorsFile {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw WeightsError.corrupt(path, "file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        // Unsigned: a length with the top bit set is a huge number, not a negative one.
        var declaredLength: UInt64 = 0
        for i in 0..<8 { declaredLength |= UInt64(bytes[i]) << (8 * i) }
        guard declaredLength > 0, declaredLength <= UInt64(bytes.count - 8) else {
            throw WeightsError.corrupt(
                path, "header length \(declaredLength) does not fit a file of \(bytes.count) bytes (truncated?)")
        }
        let headerLength = Int(declaredLength)
        let headerData = Data(bytes[8..<(8 + headerLength)])
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw WeightsError.corrupt(path, "header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        var file = SafeTensorsFile()
        if let meta = header["__metadata__"] as? [String: Any] {
            for (k, v) in meta { file.metadata[k] = v as? String ?? "\(v)" }
        }
        var spans: [(String, Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let info = raw as? [String: Any], let dtype = info["dtype"] as? String,
                let shapeItems = info["shape"] as? [Any], let offsetItems = info["data_offsets"] as? [Any]
            else {
                throw WeightsError.corrupt(path, "tensor \(name): missing dtype, shape or data_offsets")
            }
            guard let width = Self.byteWidth[dtype] else {
                throw WeightsError.corrupt(path, "tensor \(name): unsupported dtype \(dtype)")
            }
            guard let shape = Self.sizes(shapeItems), let offsets = Self.sizes(offsetItems), offsets.count == 2 else {
                throw WeightsError.corrupt(
                    path,
                    "tensor \(name): shape and data_offsets must be lists of non-negative integers below 2^63 (offsets: two)"
                )
            }
            // Checked products: a lying header may claim sizes whose product wraps around 64 bits.
            guard let count = Self.product(shape), let byteCount = Self.product([count, width]) else {
                throw WeightsError.corrupt(path, "tensor \(name): shape \(shape) is too large to address")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataLength else {
                throw WeightsError.corrupt(
                    path,
                    "tensor \(name): data_offsets [\(begin), \(end)] outside the \(dataLength) data bytes (truncated file or lying header)"
                )
            }
            guard end - begin == byteCount else {
                throw WeightsError.corrupt(
                    path, "tensor \(name): \(end - begin) bytes for shape \(shape) of \(dtype) (needs \(byteCount))")
            }
            let values = bytes.withUnsafeBytes { raw in
                Self.decode(
                    UnsafeRawBufferPointer(rebasing: raw[(dataStart + begin)..<(dataStart + end)]), dtype: dtype,
                    count: count)
            }
            file.tensors[name] = Entry(shape: shape, values: values)
            spans.append((name, begin))
        }
        file.order = spans.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.map(\.0)
        return file
    }

    /// Integers of a JSON list, nil unless every item is a whole number in 0..<2^63 (no fractions, no strings).
    static func sizes(_ items: [Any]) -> [Int]? {
        var result: [Int] = []
        for item in items {
            guard let number = item as? NSNumber else { return nil }
            let value = number.doubleValue
            guard value >= 0, value < 0x1p63, value == value.rounded(), let exact = Int(exactly: number.int64Value),
                Double(exact) == value
            else { return nil }
            result.append(exact)
        }
        return result
    }

    /// The product of sizes, nil when it overflows an Int.
    static func product(_ sizes: [Int]) -> Int? {
        var result = 1
        for size in sizes {
            let (next, overflow) = result.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// The first tensor holding a NaN or an infinity, with the index of that value.
    public func firstNonFinite() -> (tensor: String, index: Int)? {
        for name in order + tensors.keys.filter({ !order.contains($0) }).sorted() {
            if let index = tensors[name]?.values.firstIndex(where: { !$0.isFinite }) { return (name, index) }
        }
        return nil
    }

    static let byteWidth: [String: Int] = [
        "F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    static func decode(_ raw: UnsafeRawBufferPointer, dtype: String, count: Int) -> [Float] {
        func load<T>(_ type: T.Type, _ i: Int, _ w: Int) -> T { raw.loadUnaligned(fromByteOffset: i * w, as: T.self) }
        switch dtype {
        case "F32": return (0..<count).map { Float(bitPattern: UInt32(littleEndian: load(UInt32.self, $0, 4))) }
        case "F64": return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: load(UInt64.self, $0, 8)))) }
        case "F16":
            return (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: load(UInt16.self, $0, 2)))) }
        case "BF16":
            return (0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: load(UInt16.self, $0, 2))) << 16) }
        case "I64": return (0..<count).map { Float(Int64(littleEndian: load(Int64.self, $0, 8))) }
        case "I32": return (0..<count).map { Float(Int32(littleEndian: load(Int32.self, $0, 4))) }
        case "I16": return (0..<count).map { Float(Int16(littleEndian: load(Int16.self, $0, 2))) }
        case "I8": return (0..<count).map { Float(load(Int8.self, $0, 1)) }
        default: return (0..<count).map { Float(load(UInt8.self, $0, 1)) }
        }
    }

    /// The file's bytes: tensors in `order` at `precision`, 8-byte aligned header (padded with spaces, as the
    /// reference does).
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = order + tensors.keys.filter { !order.contains($0) }.sorted()
        for name in names {
            guard let t = tensors[name] else { continue }
            guard t.values.count == t.shape.reduce(1, *) else {
                throw WeightsError.shapeMismatch(
                    file: "(writing)", tensor: name, expected: t.shape, found: [t.values.count])
            }
            let byteCount = precision.byteWidth * t.values.count
            header[name] = [
                "dtype": precision.rawValue, "shape": t.shape, "data_offsets": [offset, offset + byteCount],
            ]
            offset += byteCount
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            guard let t = tensors[name] else { continue }
            if precision == .float16 {
                try Self.appendHalf(t.values, tensor: name, to: &out)
                continue
            }
            t.values.withUnsafeBufferPointer { buf in
                // Float32 is little-endian on every platform Swift targets here; bytes are written as they are.
                out.append(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: UInt8.self),
                        count: buf.count * 4))
            }
        }
        return out
    }

    private static func appendHalf(_ values: [Float], tensor: String, to out: inout Data) throws {
        var half = [UInt16](repeating: 0, count: values.count)
        for (i, value) in values.enumerated() {
            let rounded = Float16(value)
            guard rounded.isFinite || !value.isFinite else {
                throw WeightsError.writeFailed(
                    "(float16)", "tensor \(tensor): value \(value) at \(i) is beyond float16's range (65504)")
            }
            half[i] = rounded.bitPattern.littleEndian
        }
        half.withUnsafeBytes { out.append(contentsOf: $0) }
    }

    /// Writes atomically: a temporary file in the same directory, then a rename, so a crash never leaves half a file.
    public func write(to path: String) throws {
        let data = try serialized()
        try AtomicFile.write(data, to: path)
    }
}

/// Whole-file writes that either fully happen or leave the previous file untouched.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            // A fresh name, never following a file or link already there.
            try data.write(to: tmp, options: .withoutOverwriting)
            let fd = open(tmp.path, O_RDONLY)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
            if rename(tmp.path, url.path) != 0 {
                throw WeightsError.writeFailed(path, String(cString: strerror(errno)))
            }
        } catch let error as WeightsError {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw WeightsError.writeFailed(path, "\(error.localizedDescription)")
        }
    }
}

/// Problems with weight files, each naming the file and, where it applies, the tensor.
public enum WeightsError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case unreadable(String, String)
    case corrupt(String, String)
    case unknownTensor(file: String, tensor: String)
    case missingTensor(file: String, tensor: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    case writeFailed(String, String)

    public var description: String {
        switch self {
        case .missingFile(let p): return "\(p): file not found"
        case .unreadable(let p, let why): return "\(p): cannot read the file: it \(why)"
        case .corrupt(let p, let m): return "\(p): not a valid safetensors file: \(m)"
        case .unknownTensor(let p, let t): return "\(p): tensor \(t) is not a parameter or buffer of this model"
        case .missingTensor(let p, let t): return "\(p): tensor \(t) is missing"
        case .shapeMismatch(let p, let t, let e, let f):
            return "\(p): tensor \(t) has shape \(f), the model expects \(e)"
        case .writeFailed(let p, let m): return "\(p): could not write: \(m)"
        }
    }
}
