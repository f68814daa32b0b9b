import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import TestSupport
import Testing

/// MSDNet beyond the reference vector set: another input shape and schedule, real early exit, gradients.
@Suite struct MSDNetShapeTests {
    /// 1-channel 28x28 input, linGrow, 4 blocks: 1+2+3+4 = 10 layers, so interval ceil(10/3) = 4 and layers 5 and 9
    /// drop a scale (each followed by a transition).
    static let mnistLinGrow = MSDNetConfig(
        nBlocks: 4, stepMode: "linGrow", step: 1, base: 1, nChannels: 4, growthRate: 2,
        grFactor: [1, 2, 4], bnFactor: [1, 2, 4], classes: 10, input: [1, 28, 28])

    static func batch(_ n: Int, _ shape: [Int], seed: UInt64) -> Tensor {
        var rng = TestRNG(seed: seed)
        return Tensor(shape: [n] + shape, values: rng.array(n * shape.reduce(1, *)))
    }

    @Test func oneChannelLinGrowFourBlocksBuildsCostsAndTrains() throws {
        let config = Self.mnistLinGrow
        #expect(config.layersPerBlock == [1, 2, 3, 4])
        let model = try MSDNet(config: config, seed: 3)
        let cost = try model.cost()
        #expect(cost.exitStage == [0, 1, 2, 3])
        // Base width 4, +2 per layer, floor(0.5 n) after layers 5 and 9: n = 6 | 8, 10 | 12, 14->7, 9 | 11, 13, 15->7, 9;
        // the classifiers read n * grFactor[-1] channels.
        #expect(cost.classifierInput == [[24, 7, 7], [40, 7, 7], [36, 7, 7], [36, 7, 7]])
        #expect(zip(cost.cumulativeFlops, cost.cumulativeFlops.dropFirst()).allSatisfy { $0 < $1 })
        #expect(cost.cumulativeParams.last == model.store.parameterCount)
        // The transition after layer 5.
        #expect(model.store.parameters.contains { $0.name == "blocks.2.2.m.1.net.0.weight" })

        let g = Graph(training: true)
        let logits = try model.forward(g, g.input(Self.batch(3, config.input, seed: 1)))
        #expect(logits.map(\.shape) == Array(repeating: [3, 10], count: 4))
        let losses = try logits.map { try g.crossEntropy($0, labels: [1, 7, 3]) }
        let total = try g.weightedSum(losses, weights: [1, 1, 1, 1])
        model.store.zeroGrad()
        try g.backward(total)
        #expect(total.value[0].isFinite && total.value[0] > 0)
        for p in model.store.parameters {
            #expect(p.grad.array.allSatisfy { $0.isFinite }, "\(p.name)")
        }
        #expect(
            model.store.parameters.filter { $0.grad.array.contains { $0 != 0 } }.count == model.store.parameters.count)
    }

    /// Samples dropped between blocks: the survivors' later exits equal those of the full batch (eval mode).
    @Test func laterBlocksRunOnlyForTheSamplesStillInTheBatch() throws {
        let model = try MSDNet(config: Self.mnistLinGrow, seed: 5)
        let x = Self.batch(3, Self.mnistLinGrow.input, seed: 2)
        let fullGraph = Graph(training: false)
        let full = try model.forward(fullGraph, fullGraph.input(x))

        let g = Graph(training: false)
        var state = try model.begin(g, g.input(x))
        let (first, next) = try model.stage(0, g, state)
        #expect(first.count == 1 && first[0].shape == [3, 10])
        let keep = [0, 2]
        state = next.map { node in
            let per = node.value.count / node.shape[0]
            let values = node.value.array
            return g.input(
                Tensor(
                    shape: [keep.count] + node.shape.dropFirst(),
                    values: keep.flatMap { values[($0 * per)..<(($0 + 1) * per)] }))
        }
        for k in 1..<model.stageCount {
            let (logits, after) = try model.stage(k, g, state)
            state = after
            let reference = full[k].value.array
            let classes = model.classes
            let kept = keep.flatMap { reference[($0 * classes)..<(($0 + 1) * classes)] }
            #expect(logits[0].shape == [2, 10])
            #expect(scaledMaxError(logits[0].value.array, kept) < 1e-5, "exit \(k)")
        }
        #expect(state.count == 1)  // only the coarsest scale survives to the end
    }

    /// Finite differences on a tiny two-scale MSDNet (down and normal branches, a scale drop and its transition).
    /// Only weight tensors: a BN bias moves ReLU inputs by the whole step and its small gradient drowns in the
    /// float32 noise of the loss (its gradients are checked against PyTorch by the MS vector set).
    @Test func gradientsMatchFiniteDifferences() throws {
        let config = MSDNetConfig(
            nBlocks: 2, stepMode: "even", step: 1, base: 1, nChannels: 2, growthRate: 2,
            grFactor: [1, 2], bnFactor: [1, 1], classes: 3, input: [1, 12, 12])
        let model = try MSDNet(config: config, seed: 11)
        #expect(model.store.parameters.contains { $0.name == "blocks.1.0.layers.0.conv_down.net.3.weight" })
        #expect(model.store.parameters.contains { $0.name == "blocks.1.1.m.0.net.0.weight" })
        let x = Self.batch(2, config.input, seed: 4)
        let weights = model.store.parameters.filter {
            $0.name.hasSuffix("net.0.weight") || $0.name.hasSuffix("net.3.weight")
                || $0.name.hasSuffix("linear.weight")
        }
        #expect(weights.count == 19)  // stem 2, block 0: 2 + 4, block 1: 4 + transition 1, classifiers 2 x 3
        let err = try gradientCheck(params: weights, training: false, eps: 1e-2, samplesPerParam: 3) { g, _ in
            let losses = try model.forward(g, g.input(x)).map { try g.crossEntropy($0, labels: [2, 0]) }
            return try g.weightedSum(losses, weights: [1, 0.5])
        }
        #expect(err < 3e-2, "worst relative gradient error \(err)")
    }
}
