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

/// MSDNet's units append in place: each scale's feature map grows in one buffer from the stem or transition that
/// starts it to the next transition, every branch writing its output behind it, in training and evaluation graphs.
@Suite struct MSDNetChannelReserveTests {
    @Test(arguments: ["fmnist-msdnet", "linGrow"], [false, true])
    func unitsAppendToTheirInputsBuffer(config name: String, training: Bool) throws {
        let config = try name == "linGrow" ? MSDNetShapeTests.mnistLinGrow : #require(MSDNetConfig.presets[name])
        let model = try MSDNet(config: config, seed: 1)
        let g = Graph(training: training, recordsGradients: training)
        var x = try model.begin(g, g.input(Tensor(zeros: [2] + model.inputShape)))
        var layers = 0
        for (k, modules) in model.blocks.enumerated() {
            for module in modules {
                let y = try module(g, x)
                if case .layer(let layer) = module {
                    let shift = layer.drops ? 1 : 0
                    for (i, out) in y.enumerated() {
                        #expect(
                            out.storage.data == x[i + shift].storage.data && out.channelOffset == 0,
                            "block \(k), layer \(layers), scale \(i + shift) copied its input")
                    }
                    layers += 1
                }
                x = y
            }
        }
        #expect(layers == config.layersPerBlock.reduce(0, +))
    }
}
