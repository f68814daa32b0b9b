import ModelConfigs
import TestSupport
import Testing

@testable import AdaptiveNets
@testable import NeuralEngine

/// An evaluation pass appends a RANet block's concatenations in place; a block without a transition reserves room
/// for the next block too, which then goes on appending to the same buffer instead of copying it.
@Suite struct ChannelReserveTests {
    @Test(arguments: ["fmnist-small", "cifar10-paper"])
    func blocksWithoutTransitionHandTheirBufferOn(preset: String) throws {
        let model = try RANet(config: try #require(RANetConfig.presets[preset]), seed: 1)
        var chained = 0
        for (h, blocks) in model.flows.enumerated() {
            for (j, block) in blocks.enumerated() {
                #expect(model.reserves[h][j] >= block.outWidth)
                if model.reserves[h][j] > block.outWidth {
                    #expect(block.transition == nil && blocks[j + 1].extendsInput)
                    chained += 1
                }
            }
        }
        #expect(chained > 0, "no block of \(preset) hands its buffer on")

        // Sub-network 0 of an evaluation pass: a chained block's layers and the next block's share one buffer.
        let g = Graph(training: false, recordsGradients: false)
        let input = Tensor(zeros: [2] + model.inputShape)
        let bases = try model.begin(g, g.input(input))
        let (_, state) = try model.stage(0, g, bases)
        var cumulative = Array(state.dropFirst(model.config.subnetworks - 1))[...]
        var firstLayerOutputs: [Node] = []
        for block in model.flows[0] {
            let nodes = cumulative.prefix(block.cumulativeChannels.count)
            cumulative = cumulative.dropFirst(block.cumulativeChannels.count)
            firstLayerOutputs.append(nodes[nodes.startIndex + 1])
        }
        for j in model.flows[0].indices.dropLast() where model.reserves[0][j] > model.flows[0][j].outWidth {
            #expect(
                firstLayerOutputs[j].storage.data == firstLayerOutputs[j + 1].storage.data,
                "block \(j + 1) of sub-network 0 copied block \(j)'s output")
        }
    }
}
