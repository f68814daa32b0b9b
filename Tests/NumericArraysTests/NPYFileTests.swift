import Foundation
import NumericArrays
import Testing

/// The .npy parser on good files and on every kind of bad one it names.
@Suite struct NPYFileTests {
    /// A version 1.0 file with the given header dictionary and data bytes; the header is padded like numpy pads it.
    static func npy(header: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        let lengthBytes = major == 1 ? 2 : 4
        var text = header
        while (8 + lengthBytes + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        let length = text.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [major, 0] + (0..<lengthBytes).map { UInt8((length >> (8 * $0)) & 0xff) }
            + Array(text.utf8) + data
    }

    static func header(_ descr: String, _ shape: String, fortran: Bool = false) -> String {
        "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    }

    static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    static func parse(_ bytes: [UInt8]) throws -> NumericArray {
        try bytes.withUnsafeBytes { try NPYFile.parse($0, path: "x.npy") }
    }

    static func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try parse(bytes)
            return "no error"
        } catch { return "\(error)" }
    }

    @Test func readsFloat32AndIntegerArrays() throws {
        let floats = try Self.parse(
            Self.npy(header: Self.header("<f4", "(2, 3)"), data: Self.float32([1, 2, 3, 4, 5, -6])))
        #expect(floats.shape == [2, 3])
        #expect(floats.values == [1, 2, 3, 4, 5, -6])
        #expect(floats.source == "x.npy")
        let longs: [Int64] = [0, 7, -3]
        let bytes = longs.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let ints = try Self.parse(Self.npy(header: Self.header("<i8", "(3,)"), data: bytes, major: 2))
        #expect(ints.shape == [3])
        #expect(ints.values == [0, 7, -3])
        let bools = try Self.parse(Self.npy(header: Self.header("|b1", "(2,)"), data: [1, 0]))
        #expect(bools.values == [1, 0])
    }

    @Test func refusesWrongMagic() {
        var bytes = Self.npy(header: Self.header("<f4", "(1,)"), data: Self.float32([1]))
        bytes[1] = UInt8(ascii: "X")
        #expect(Self.message(bytes).contains("not a .npy file"))
        #expect(Self.message([1, 2, 3]).contains("not a .npy file"))
    }

    @Test func refusesTruncatedFiles() {
        let whole = Self.npy(header: Self.header("<f4", "(2, 2)"), data: Self.float32([1, 2, 3, 4]))
        #expect(Self.message(Array(whole.dropLast(3))).contains("truncated"))
        #expect(Self.message(Array(whole.prefix(20))).contains("truncated .npy file"))
        #expect(Self.message(whole + [0]).contains("has trailing bytes"))
    }

    @Test func refusesBadHeaders() {
        #expect(Self.message(Self.npy(header: "{'descr': '<f4'}", data: [])).contains("has no descr or shape"))
        #expect(
            Self.message(Self.npy(header: Self.header("<f4", "(2, x)"), data: [])).contains("is not a tuple of sizes"))
        #expect(Self.message(Self.npy(header: Self.header("<f4", "(1,)"), data: [], major: 4)).contains("version 4"))
    }

    @Test func refusesFortranOrder() {
        let bytes = Self.npy(header: Self.header("<f4", "(2, 2)", fortran: true), data: Self.float32([1, 2, 3, 4]))
        #expect(Self.message(bytes).contains("Fortran order"))
    }

    @Test func refusesUnsupportedDtypes() {
        #expect(Self.message(Self.npy(header: Self.header(">f4", "(1,)"), data: [0, 0, 0, 0])).contains("'>f4'"))
        #expect(Self.message(Self.npy(header: Self.header("<c8", "(1,)"), data: [])).contains("is not supported"))
    }

    @Test func missingFileIsNamed() {
        #expect(throws: NumericArrayError("/nonexistent/a.npy: file not found")) {
            try NPYFile.read("/nonexistent/a.npy")
        }
    }
}

/// Shapes whose byte count overflows are refused (they trapped before: issue 20).
@Suite struct NPYOverflowTests {
    @Test func shapesWhoseProductWrapsAreRefused() {
        for shape in ["(4611686018427387904,)", "(4294967296, 4294967296)", "(9223372036854775807, 9)"] {
            let bytes = NPYFileTests.npy(header: NPYFileTests.header("<f4", shape), data: [])
            let text = NPYFileTests.message(bytes)
            #expect(text.contains("x.npy") && text.contains("too large"), "\(shape): \(text)")
        }
    }

    @Test func aFIFOIsRefusedWithoutOpeningIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-npy-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o644) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try NPYFile.read(path)
            Issue.record("a FIFO was read")
        } catch { #expect("\(error)".contains("FIFO"), "\(error)") }
    }
}
