import AdaptiveNets
import Foundation
import Testing

/// `SafeTensorsFile.precision`: float16 files hold each value rounded to nearest float16, in half the bytes.
@Suite struct SafeTensorsPrecisionTests {
    static let values: [Float] = [0, -0.0, 1, -2.5, 0.1, 1e-3, 3.14159, 65504, -65504, 6e-8, 1e-9, 0.33333334]

    @Test func float16FilesReadBackAsTheRoundedValues() throws {
        var file = SafeTensorsFile(tensors: ["w": .init(shape: [3, 4], values: Self.values)], metadata: ["k": "v"])
        let single = try file.serialized()
        file.precision = .float16
        let half = try file.serialized()
        #expect(single.count - half.count >= 2 * Self.values.count - 8)
        let read = try SafeTensorsFile.parse(half, path: "half")
        #expect(read.metadata == ["k": "v"] && read["w"]?.shape == [3, 4])
        #expect(read["w"]?.values == Self.values.map { Float(Float16($0)) })
        #expect(String(decoding: half, as: UTF8.self).contains(#""dtype":"F16""#))
    }

    @Test func valuesBeyondFloat16AreRefusedNamingTheTensor() throws {
        var file = SafeTensorsFile(tensors: ["big": .init(shape: [2], values: [1, 70000])])
        file.precision = .float16
        #expect(throws: WeightsError.self) { try file.serialized() }
        do { _ = try file.serialized() } catch { #expect("\(error)".contains("tensor big")) }
    }
}
