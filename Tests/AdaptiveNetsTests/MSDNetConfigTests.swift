import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import Testing

/// MSDNet configs: the reference's crash quirks as clear errors, config files of both architectures, reference args.
@Suite struct MSDNetConfigTests {
    func describe(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch { return "\(error)" }
    }

    static let small = MSDNetConfigTests.preset("fmnist-msdnet")

    static func preset(_ name: String) -> MSDNetConfig { MSDNetConfig.presets[name]! }

    @Test func oddBranchWidthsAreConfigErrors() {
        var c = Self.small
        c.growthRate = 5
        c.grFactor = [1, 1, 1]
        c.bnFactor = [1, 1, 1]
        let text = describe { _ = try MSDNet(config: c, initialize: false) }
        #expect(text.contains("growthRate*grFactor[1] = 5 is odd") && text.contains("Q1"), "\(text)")
        c.grFactor = [1, 2, 2]  // the finest scale may be odd: it is always a single full-width branch
        #expect(describe { try c.validate() } == "no error")
    }

    @Test(arguments: [[3, 64, 64], [3, 16, 16], [1, 28, 60]])
    func inputSizesTheClassifiersCannotTakeAreConfigErrors(input: [Int]) {
        var c = Self.small
        c.input = input
        let text = describe { _ = try MSDNet(config: c, initialize: false) }
        #expect(text.contains("coarsest scale") && text.contains("Q4"), "\(text)")
    }

    @Test func largestAndSmallestAcceptedInputs() throws {
        var c = Self.small
        for size in [17, 48] {  // coarsest 5 and 12 pixels: a 2x2 and a 3x3 map before AvgPool2d(2), both give 1x1
            c.input = [1, size, size]
            let cost = try MSDNet(config: c, initialize: false).cost()
            #expect(cost.classifierInput[0][1] == (size == 17 ? 5 : 12))
        }
    }

    @Test func otherInvalidFieldsNameTheField() {
        let cases: [(WritableKeyPath<MSDNetConfig, String>, String, String)] = [
            (\.stepMode, "lin_grow", "stepMode"), (\.prune, "min", "prune"), (\.stem, "resnet", "stem"),
        ]
        for (path, value, field) in cases {
            var c = Self.small
            c[keyPath: path] = value
            #expect(describe { try c.validate() }.contains(field), "\(field)")
        }
        var c = Self.small
        c.bnFactor = [1, 2]
        #expect(describe { try c.validate() }.contains("bnFactor has 2"))
        c = Self.small
        c.reduction = 0.01
        #expect(describe { try c.validate() }.contains("leaves no channels in the transition"))
        c = Self.small
        c.arch = "ranet"
        #expect(describe { try c.validate() }.contains("expected \"msdnet\""))
        c = Self.small
        c.step = 0
        #expect(describe { try c.validate() }.contains("step (0)"))
    }

    @Test func configFilesChooseTheArchitectureByArch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("msdnet-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ json: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        // The stored form of a config: one flat object with "arch".
        let encoded = String(decoding: try JSONEncoder().encode(ModelConfig.msdnet(Self.small)), as: UTF8.self)
        #expect(encoded.contains("\"arch\":\"msdnet\""), "\(encoded)")
        let msd = try ModelFactory.config(named: try write("m.json", encoded))
        #expect(msd == .msdnet(Self.small))
        #expect(try ModelFactory.build(msd, initialize: false).architecture == "msdnet")

        let ranet = try JSONEncoder().encode(RANetConfig.presets["fmnist-small"]!)  // no "arch"
        let r = try ModelFactory.config(named: try write("r.json", String(decoding: ranet, as: UTF8.self)))
        #expect(r == .ranet(RANetConfig.presets["fmnist-small"]!))
        let roundTrip = try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(r))
        #expect(roundTrip == r)

        let unknown = describe { _ = try ModelFactory.config(named: try write("u.json", "{\"arch\": \"resnet\"}")) }
        #expect(unknown.contains("u.json") && unknown.contains("unknown arch \"resnet\""), "\(unknown)")
        let odd = encoded.replacingOccurrences(of: "\"grFactor\":[1,2,4]", with: "\"grFactor\":[1,3,3]")
            .replacingOccurrences(of: "\"growthRate\":6", with: "\"growthRate\":5")
        let oddText = describe { _ = try ModelFactory.config(named: try write("o.json", odd)) }
        #expect(oddText.contains("o.json") && oddText.contains("odd"), "\(oddText)")
        let missing = describe { _ = try ModelFactory.config(named: try write("k.json", "{\"arch\": \"msdnet\"}")) }
        #expect(missing.contains("missing key"), "\(missing)")
        #expect(try ModelFactory.config(named: "imagenet-msdnet").arch == "msdnet")
        #expect(try ModelFactory.config(named: "fmnist-small").arch == "ranet")
        #expect(describe { _ = try ModelFactory.config(named: "nope") }.contains("fmnist-msdnet"))
    }

    /// The argparse fields of vector metadata: 1-channel 28x28, linGrow (also args.py's stepmode None), 4 blocks.
    @Test func referenceArgsBuildMSDNetForOtherShapes() throws {
        let args: [String: Any] = [
            "arch": "msdnet", "data": "fmnist", "nBlocks": 4, "stepmode": NSNull(), "step": 1,
            "base": 1, "nChannels": 4, "growthRate": 2, "grFactor": "1-2-4", "bnFactor": [1, 2, 4],
            "prune": "max", "reduction": 0.5, "bottleneck": true, "num_classes": 10,
        ]
        let config = try ModelFactory.config(referenceArgs: args, inputNCHW: [2, 1, 28, 28])
        guard case .msdnet(let c) = config else {
            Issue.record("expected MSDNet, got \(config)")
            return
        }
        #expect(c == MSDNetShapeTests.mnistLinGrow)
        var bad = args
        bad["growthRate"] = 3
        bad["grFactor"] = "1-1-1"
        #expect(
            describe { _ = try ModelFactory.config(referenceArgs: bad, inputNCHW: [2, 1, 28, 28]) }.contains("odd"))
        bad = args
        bad.removeValue(forKey: "base")
        #expect(
            describe { _ = try ModelFactory.config(referenceArgs: bad, inputNCHW: [2, 1, 28, 28]) }.contains("\"base\"")
        )
    }
}
