import AdaptiveInference
import AdaptiveNets
import Datasets
import ExitPolicies
import ModelConfigs
import NeuralEngine

/// A tiny RANet (2 sub-networks at 12x12 and 6x6; 3 exits: one in the first stage, two in the second) trained for a
/// few dozen SGD steps on noisy synthetic stripes, so that its confidences spread over the whole range.
enum TinyModel {
    static let config = RANetConfig(
        nChannels: 4, growthRate: 4, grFactor: [2, 1], bnFactor: [2, 1],
        scaleList: [1, 2], nBlocks: 1, blockStep: 2, step: 1, stepMode: "even",
        classes: 4, input: [1, 12, 12])
    static let normalization = Normalization(mean: [0.5], std: [0.25])
    /// Held-out images (another seed than the training images).
    static let testSet = Result { try synthetic(count: 64, seed: 9) }
    /// The trained model, built once and shared (inference only reads it).
    private static let trained = Result { try train(try RANet(config: config, seed: 3)) }
    /// Every exit's outputs on the test set at batch 64, computed once: what the simulation runs on.
    private static let evaluated = Result { () throws -> ExitEvaluation in
        try ExitEvaluator(model: try model(), normalization: normalization, batchSize: 64)
            .evaluate(try testSet.get(), keepLogits: true)
    }

    /// A tiny MSDNet (3 blocks, one exit each) on the same data, trained the same way.
    static let msdnetConfig = MSDNetConfig(
        nBlocks: 3, stepMode: "even", step: 1, base: 1, nChannels: 4, growthRate: 4,
        grFactor: [1, 2], bnFactor: [1, 2], classes: 4, input: [1, 12, 12])
    private static let trainedMSDNet = Result { try train(try MSDNet(config: msdnetConfig, seed: 3)) }

    static func model() throws -> RANet { try trained.get() }
    static func msdnet() throws -> MSDNet { try trainedMSDNet.get() }
    static func test() throws -> Dataset { try testSet.get() }
    static func evaluation() throws -> ExitEvaluation { try evaluated.get() }

    static func synthetic(count: Int, seed: UInt64) throws -> Dataset {
        try Dataset.synthetic(classes: 4, channels: 1, height: 12, width: 12, count: count, seed: seed, noise: 90)
    }

    private static func train<Model: EarlyExitNetwork>(
        _ model: Model, steps: Int = 20, batchSize: Int = 16
    ) throws -> Model {
        let loader = try BatchLoader(
            dataset: try synthetic(count: 96, seed: 1), batchSize: batchSize,
            normalization: normalization, seed: 5)
        let sgd = try SGD(learningRate: 0.02, momentum: 0.9, weightDecay: 1e-4)
        let graph = Graph(training: true)
        var step = 0
        for epoch in 0... {
            for batch in loader.batches(epoch: epoch, prefetch: false) where batch.count > 1 {
                graph.reset()
                let x = graph.input(Tensor(shape: [batch.count, 1, 12, 12], values: batch.images))
                let losses = try model.forward(graph, x).map { try graph.crossEntropy($0, labels: batch.labels) }
                let loss = try graph.weightedSum(losses, weights: [Float](repeating: 1, count: losses.count))
                model.store.zeroGrad()
                try graph.backward(loss)
                sgd.step(model.store.parameters)
                step += 1
                if step == steps { return model }
            }
        }
        return model
    }
}
