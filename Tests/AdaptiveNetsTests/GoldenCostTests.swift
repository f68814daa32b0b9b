import AdaptiveNets
import Foundation
import ModelConfigs
import TestSupport
import Testing

/// The cost model and shapes against the reference implementation's measured tables.
@Suite struct GoldenCostTests {
    struct GoldenEntry: Decodable {
        let name: String
        let config: RANetConfig
        let exits: Int
        let exitSubnetwork: [Int]
        let cumulativeFlops: [Int]
        let cumulativeParams: [Int]
        let classifierInput: [[Int]]
    }

    static func golden() throws -> [GoldenEntry] {
        struct File: Decodable { let configs: [GoldenEntry] }
        let url = URL(fileURLWithPath: SharedFixtures.path("golden/ranet_configs.json"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).configs
    }

    @Test func everyGoldenConfigMatchesExactly() throws {
        let entries = try Self.golden()
        #expect(entries.count >= 5)
        for entry in entries {
            let model = try RANet(config: entry.config, initialize: false)
            let cost = try model.cost()
            #expect(model.exitCount == entry.exits, "\(entry.name) exits")
            #expect(cost.exitStage == entry.exitSubnetwork, "\(entry.name) sub-networks")
            #expect(cost.cumulativeFlops == entry.cumulativeFlops, "\(entry.name) FLOPs")
            #expect(cost.cumulativeParams == entry.cumulativeParams, "\(entry.name) params")
            #expect(cost.classifierInput == entry.classifierInput, "\(entry.name) classifier inputs")
            #expect(model.store.parameterCount == entry.cumulativeParams.last, "\(entry.name) parameter count")
        }
    }

    @Test func presetsMatchTheirGoldenConfigs() throws {
        for entry in try Self.golden() {
            if let preset = RANetConfig.presets[entry.name] { #expect(preset == entry.config, "\(entry.name)") }
        }
        #expect(RANetConfig.presets.count == 5)
        let imagenet = try RANet(config: RANetConfig.presets["imagenet-readme"]!, initialize: false)
        #expect(try imagenet.cost().classifierInput.allSatisfy { $0[1] == 7 && $0[2] == 7 })
    }
}
