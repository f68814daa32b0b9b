import AdaptiveNets
import Foundation
import ModelConfigs
import TestSupport
import Testing

/// Sizes read from a file or a config that would overflow or exhaust memory are clear errors (issue 20).
@Suite struct HostileSizesTests {
    /// A safetensors file with this JSON header and `data` after it.
    static func file(header: String, data: [UInt8] = []) -> Data {
        var bytes = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        return bytes + Data(header.utf8) + Data(data)
    }

    static func message(_ header: String, data: [UInt8] = []) -> String {
        do {
            _ = try SafeTensorsFile.parse(file(header: header, data: data), path: "w.safetensors")
            return "no error"
        } catch { return "\(error)" }
    }

    @Test func shapesWhoseProductWrapsAreRefused() {
        for shape in ["[4611686018427387904]", "[4294967296, 4294967296]", "[9223372036854775807, 2]"] {
            let text = Self.message(#"{"x":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,0]}}"#)
            #expect(
                text.contains("w.safetensors") && (text.contains("too large") || text.contains("integers below 2^63")),
                "\(shape): \(text)")
        }
    }

    @Test func sizesMustBeWholeNonNegativeNumbers() {
        for (shape, offsets) in [("[1.5]", "[0,4]"), ("[\"2\"]", "[0,8]"), ("[2]", "[0,8.5]"), ("[1e30]", "[0,4]")] {
            let text = Self.message(
                #"{"x":{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}}"#, data: [0, 0, 0, 0, 0, 0, 0, 0])
            #expect(
                text.contains("non-negative integers") || text.contains("too large"), "\(shape) \(offsets): \(text)")
        }
    }

    @Test func aHeaderLengthWithTheTopBitSetIsPrintedUnsigned() {
        var bytes = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        bytes.append(Data("{}".utf8))
        do {
            _ = try SafeTensorsFile.parse(bytes, path: "w.safetensors")
            Issue.record("accepted")
        } catch { #expect("\(error)".contains("18446744073709551615") && !"\(error)".contains("-1"), "\(error)") }
    }

    @Test func nonFiniteValuesAreFound() {
        var file = SafeTensorsFile(tensors: [
            "a": .init(shape: [2], values: [1, 2]), "b": .init(shape: [3], values: [0, .infinity, 1]),
        ])
        #expect(file.firstNonFinite()?.tensor == "b" && file.firstNonFinite()?.index == 1)
        file.tensors["b"] = .init(shape: [1], values: [0])
        #expect(file.firstNonFinite() == nil)
    }

    static let tiny =
        #"{"nChannels": 4, "growthRate": 4, "grFactor": [2, 1], "bnFactor": [2, 1], "scaleList": [1, 2], "nBlocks": 1, "blockStep": 2, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5, "classes": 4, "stem": "cifar", "input": [1, 12, 12]}"#
    static let tinyMSDNet =
        #"{"arch": "msdnet", "nBlocks": 2, "stepMode": "even", "step": 1, "base": 1, "nChannels": 4, "growthRate": 4, "grFactor": [1, 2], "bnFactor": [1, 2], "classes": 4, "input": [1, 12, 12]}"#

    static func configMessage(_ json: String) -> String {
        do {
            try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)).validate()
            return "no error"
        } catch { return "\(error)" }
    }

    @Test func configFieldsAboveTheirLimitsAreRefusedBeforeAnyPlanning() {
        for (base, fields) in [
            (Self.tiny, ["nChannels": "4", "growthRate": "4", "classes": "4", "nBlocks": "1", "step": "1"]),
            (Self.tinyMSDNet, ["nChannels": "4", "growthRate": "4", "classes": "4", "nBlocks": "2", "base": "1"]),
        ] {
            #expect(Self.configMessage(base) == "no error")
            for (field, value) in fields {
                for huge in ["1000000000", "9223372036854775807"] {
                    let json = base.replacingOccurrences(of: "\"\(field)\": \(value),", with: "\"\(field)\": \(huge),")
                    let text = Self.configMessage(json)
                    #expect(text.contains("\(field) (\(huge)) is above the limit"), "\(field)=\(huge): \(text)")
                }
            }
        }
        let wide = Self.tiny.replacingOccurrences(of: "\"nChannels\": 4,", with: "\"nChannels\": 1024,")
            .replacingOccurrences(of: "\"growthRate\": 4,", with: "\"growthRate\": 512,")
            .replacingOccurrences(of: "\"nBlocks\": 1,", with: "\"nBlocks\": 64,")
            .replacingOccurrences(of: "\"step\": 1,", with: "\"step\": 64,")
        #expect(Self.configMessage(wide).contains("million parameters"))
    }

    @Test func everyPresetStaysWithinTheLimits() throws {
        for (name, config) in ModelFactory.presets {
            #expect(throws: Never.self, "\(name)") { try config.validate() }
        }
    }
}

/// Reference vectors whose labels are not integer classes are refused naming the file (3.7 was read as 3; -2^31
/// reached crossEntropy, which did not name the file; NaN trapped).
@Suite struct VectorLabelTests {
    @Test(arguments: [Float(3.7), -2_147_483_648, .nan, 1e10])
    func labelsMustBeIntegerClasses(label: Float) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-labels-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            atPath: SharedFixtures.path("vectors/S/weights.safetensors"),
            toPath: dir.appendingPathComponent("weights.safetensors").path)
        var io = try SafeTensorsFile.read(SharedFixtures.path("vectors/S/io.safetensors"))
        let y = try #require(io.tensors["y"])
        io.tensors["y"] = .init(shape: y.shape, values: [label] + y.values.dropFirst())
        let ioPath = dir.appendingPathComponent("io.safetensors").path
        try io.write(to: ioPath)
        do {
            _ = try VectorVerification.run(directory: dir.path)
            Issue.record("label \(label) was accepted")
        } catch { #expect("\(error)".contains(ioPath) && "\(error)".contains("label y[0]"), "\(error)") }
    }
}
