import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import TestSupport
import Testing

/// MSDNet's cost model, shapes and parameter names against the reference implementation's measured tables.
@Suite struct MSDNetGoldenTests {
    struct GoldenEntry: Decodable {
        let name: String
        let config: MSDNetConfig
        let exits: Int
        let layersPerBlock: [Int]
        let cumulativeFlops: [Int]
        let cumulativeParams: [Int]
        let classifierInput: [[Int]]
    }

    static func golden() throws -> [GoldenEntry] {
        struct File: Decodable { let configs: [GoldenEntry] }
        let url = URL(fileURLWithPath: SharedFixtures.path("golden/msdnet_configs.json"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).configs
    }

    @Test func everyGoldenConfigMatchesExactly() throws {
        let entries = try Self.golden()
        #expect(entries.count >= 5)
        for entry in entries {
            let model = try MSDNet(config: entry.config, initialize: false)
            let cost = try model.cost()
            #expect(model.exitCount == entry.exits, "\(entry.name) exits")
            #expect(entry.config.layersPerBlock == entry.layersPerBlock, "\(entry.name) layers per block")
            #expect(cost.exitStage == Array(0..<entry.exits), "\(entry.name) exit blocks")
            #expect(cost.cumulativeFlops == entry.cumulativeFlops, "\(entry.name) FLOPs")
            #expect(cost.cumulativeParams == entry.cumulativeParams, "\(entry.name) params")
            #expect(cost.classifierInput == entry.classifierInput, "\(entry.name) classifier inputs")
            #expect(model.store.parameterCount == entry.cumulativeParams.last, "\(entry.name) parameter count")
        }
    }

    @Test func presetsMatchTheirGoldenConfigsAndDoNotCollideWithRANet() throws {
        var matched = 0
        for entry in try Self.golden() {
            guard let preset = MSDNetConfig.presets[entry.name] else { continue }
            #expect(preset == entry.config, "\(entry.name)")
            matched += 1
        }
        #expect(matched == 4)
        #expect(Set(MSDNetConfig.presets.keys).isDisjoint(with: RANetConfig.presets.keys))
        #expect(ModelFactory.presetNames.count == MSDNetConfig.presets.count + RANetConfig.presets.count)
        let imagenet = try MSDNet(config: try #require(MSDNetConfig.presets["imagenet-msdnet"]), initialize: false)
        let cost = try imagenet.cost()
        // 224 -> 112 (7x7/s2) -> 56 (max-pool) -> 28 -> 14 -> 7 at the coarsest of 4 scales.
        #expect(cost.classifierInput.allSatisfy { $0[1] == 7 && $0[2] == 7 })
        #expect(imagenet.store.parameters.contains { $0.name == "blocks.0.0.layers.0.0.bias" })
        #expect(cost.cumulativeParams.last == imagenet.store.parameterCount)
    }

    /// The names, shapes and order of the reference state_dict, as listed in vectors/MS/README.txt ("Parameter
    /// list ... in state_dict order"; the safetensors file itself stores names sorted).
    @Test func parameterNamesAndShapesAreTheReferenceStateDict() throws {
        let readme = try String(contentsOfFile: SharedFixtures.path("vectors/MS/README.txt"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("Parameter list (name, shape) in state_dict order") })
        let listed = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(listed.count == 108)
        let entry = try #require(try Self.golden().first { $0.name == "vectors-MS" })
        let model = try MSDNet(config: entry.config, initialize: false)
        let mine = model.store.parameters.map { "\($0.name) [\($0.shape.map(String.init).joined(separator: ", "))]" }
        #expect(mine == listed)
        let weights = try SafeTensorsFile.read(SharedFixtures.path("vectors/MS/weights.safetensors"))
        #expect(Set(model.store.namedTensors.map(\.0)) == Set(weights.order))
    }
}
