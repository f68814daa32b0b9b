import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import Testing

/// `ModelConfig.exitLayout` works the layout out by arithmetic; these tests hold it to what the built network does.
@Suite struct ExitLayoutTests {
    static let oddConfigs: [String: ModelConfig] = [
        "ranet repeated scales, odd non-square input": .ranet(
            RANetConfig(
                nChannels: 8, growthRate: 4, grFactor: [4, 2, 2, 1], bnFactor: [4, 2, 2, 1],
                scaleList: [1, 1, 2, 3], nBlocks: 1, blockStep: 1, step: 1, stepMode: "even",
                classes: 10, input: [3, 31, 35])),
        "ranet repeated middle scale": .ranet(
            RANetConfig(
                nChannels: 8, growthRate: 4, grFactor: [4, 2, 2, 1], bnFactor: [4, 2, 2, 1],
                scaleList: [1, 2, 2, 3], nBlocks: 2, blockStep: 1, step: 2, stepMode: "even",
                classes: 10, input: [1, 27, 27])),
        "ranet imagenet stem, odd input": .ranet(
            RANetConfig(
                nChannels: 8, growthRate: 4, grFactor: [4, 2, 1], bnFactor: [4, 2, 1],
                scaleList: [1, 2, 3], nBlocks: 1, blockStep: 1, step: 1, stepMode: "even",
                classes: 10, stem: "imagenet", input: [3, 131, 125])),
        "msdnet odd non-square input": .msdnet(
            MSDNetConfig(
                nBlocks: 3, stepMode: "even", step: 1, base: 1, nChannels: 4, growthRate: 2, grFactor: [1, 2, 4],
                bnFactor: [1, 2, 4], classes: 10, input: [3, 39, 41])),
        "msdnet imagenet stem": .msdnet(
            MSDNetConfig(
                nBlocks: 2, stepMode: "even", step: 1, base: 1, nChannels: 4, growthRate: 2, grFactor: [1, 2, 4],
                bnFactor: [1, 2, 4], classes: 10, stem: "imagenet", input: [3, 150, 150])),
    ]

    /// What a dry run of the network gives per exit: its stage and, for RANet, the stem's feature map of that
    /// sub-network; for MSDNet the spatial size of the classifier's input.
    static func measuredLayout(_ config: ModelConfig) throws -> [ExitPlacement] {
        let model = try ModelFactory.build(config, initialize: false)
        let sizes: [[Int]]
        switch config {
        case .ranet:
            let graph = Graph(training: false, recordsGradients: false)
            let state = try model.begin(graph, graph.input(Tensor(zeros: [1] + model.inputShape)))
            sizes = model.exitStage.map { Array(state[$0].shape.suffix(2)) }
        case .msdnet:
            sizes = try model.cost().classifierInput.map { Array($0.suffix(2)) }
        }
        return zip(model.exitStage, sizes).map { ExitPlacement(subnetwork: $0, height: $1[0], width: $1[1]) }
    }

    @Test(arguments: ModelFactory.presetNames)
    func presetLayoutMatchesTheBuiltNetwork(name: String) throws {
        let config = try #require(ModelFactory.presets[name])
        #expect(config.exitLayout == (try Self.measuredLayout(config)))
    }

    @Test(arguments: oddConfigs.keys.sorted())
    func oddConfigLayoutMatchesTheBuiltNetwork(name: String) throws {
        let config = try #require(Self.oddConfigs[name])
        try config.validate()
        #expect(config.exitLayout == (try Self.measuredLayout(config)))
    }

    @Test func storedJSONGivesTheSameLayoutAndGarbageNone() throws {
        let config = try #require(ModelFactory.presets["cifar10-paper"])
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(ModelConfig.exitLayout(configJSON: json) == config.exitLayout)
        #expect(ModelConfig.exitLayout(configJSON: "{not json") == nil)
        // cifar10-paper: sub-networks of 2, 4, 6, 8 blocks at 8, 16, 32, 32 pixels.
        #expect(config.exitLayout?.map(\.subnetwork) == [0, 0, 1, 1, 2, 2, 3, 3])
        #expect(config.exitLayout?.map(\.height) == [8, 8, 16, 16, 32, 32, 32, 32])
    }
}
