import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import Testing

@Suite struct SafeTensorsBadInputTests {
    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func describe(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch { return "\(error)" }
    }

    @Test func everyCorruptionGivesAOneLineErrorNamingFileAndTensor() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = SafeTensorsFile(
            tensors: [
                "a.weight": .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                "b": .init(shape: [1], values: [7]),
            ], metadata: ["k": "v"])
        let bytes = try good.serialized()
        let path = dir.appendingPathComponent("w.safetensors").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let back = try SafeTensorsFile.read(path)
        #expect(back.tensors == good.tensors && back.metadata == ["k": "v"])

        let missing = describe { _ = try SafeTensorsFile.read(dir.appendingPathComponent("nope.safetensors").path) }
        #expect(missing.contains("nope.safetensors") && missing.contains("not found"))

        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: path))
        let truncated = describe { _ = try SafeTensorsFile.read(path) }
        #expect(truncated.contains(path) && truncated.contains("data_offsets"), "\(truncated)")

        try Data(bytes.prefix(4)).write(to: URL(fileURLWithPath: path))
        #expect(describe { _ = try SafeTensorsFile.read(path) }.contains("shorter than"))

        // A header that claims more bytes than the tensor's shape needs.
        var lyingBytes = [UInt8](bytes)
        let needle = Array("\"shape\":[2,3]".utf8)
        let at = try #require(
            (0...(lyingBytes.count - needle.count)).first { Array(lyingBytes[$0..<($0 + needle.count)]) == needle })
        lyingBytes[at + needle.count - 2] = UInt8(ascii: "2")
        try Data(lyingBytes).write(to: URL(fileURLWithPath: path))
        let lying = describe { _ = try SafeTensorsFile.read(path) }
        #expect(lying.contains("a.weight") && lying.contains("bytes for shape"), "\(lying)")
        #expect(!lying.contains("\n"))
    }

    @Test func loadingChecksNamesAndShapes() throws {
        let store = ParameterStore()
        _ = store.parameter("layer.weight", [2, 2])
        let unknown = SafeTensorsFile(tensors: [
            "layer.weight": .init(shape: [2, 2], values: [1, 2, 3, 4]),
            "other.bias": .init(shape: [1], values: [0]),
        ])
        #expect(describe { try store.load(unknown, path: "f.safetensors") }.contains("other.bias"))
        let wrong = SafeTensorsFile(tensors: ["layer.weight": .init(shape: [4], values: [1, 2, 3, 4])])
        let text = describe { try store.load(wrong, path: "f.safetensors") }
        #expect(text.contains("f.safetensors") && text.contains("layer.weight") && text.contains("[2, 2]"))
        let missing = SafeTensorsFile(tensors: [:])
        #expect(describe { try store.load(missing, path: "f.safetensors") }.contains("missing"))
    }

    @Test func invalidConfigsAreExplained() throws {
        var c = RANetConfig.presets["fmnist-small"]!
        c.bnFactor = [4, 2]
        #expect(describe { try c.validate() }.contains("bnFactor"))
        c = RANetConfig.presets["fmnist-small"]!
        c.scaleList = [2, 1, 3]
        #expect(describe { try c.validate() }.contains("non-decreasing"))
        c = RANetConfig.presets["fmnist-small"]!
        c.growthRate = 0
        #expect(describe { try c.validate() }.contains("growthRate"))
        c = RANetConfig.presets["fmnist-small"]!
        c.input = [1, 8, 8]
        #expect(describe { _ = try RANet(config: c, initialize: false) }.contains("does not fit"))
    }
}
