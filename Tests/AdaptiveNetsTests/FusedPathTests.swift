import AdaptiveNets
import ModelConfigs
import NeuralEngine
import TestSupport
import Testing

/// Training runs the fused BN+ReLU; verify-vectors runs the separate ops (its kink probe needs the pre-ReLU values).
/// A whole training step must come out bit for bit the same either way, so the parity vectors vouch for training too.
@Suite struct FusedPathTests {
    static func step(
        _ model: any EarlyExitNetwork, probe: Bool, copies: Bool = false, input: Tensor, labels: [Int32]
    )
        throws -> (logits: [[Float]], grads: [[Float]], buffers: [[Float]])
    {
        let saved = model.store.buffers.map { $0.value.clone() }
        defer { for (b, s) in zip(model.store.buffers, saved) { b.value.copy(from: s) } }
        let g = Graph(training: true)
        g.copiesConcatenations = copies
        if probe { g.reluKinks = ReluKinkProbe(flip: false) }
        model.store.zeroGrad()
        let logits = try model.forward(g, g.input(input))
        let losses = try logits.map { try g.crossEntropy($0, labels: labels) }
        try g.backward(try g.weightedSum(losses, weights: Array(repeating: 1, count: losses.count)))
        return (
            logits.map(\.value.array), model.store.parameters.map(\.grad.array), model.store.buffers.map(\.value.array)
        )
    }

    /// RANet fmnist-small or a small MSDNet, both on 1x28x28 inputs.
    static func model(_ arch: String, seed: UInt64) throws -> any EarlyExitNetwork {
        arch == "ranet"
            ? try ModelFactory.build(try #require(RANetConfig.presets["fmnist-small"]), seed: seed)
            : try MSDNet(config: MSDNetShapeTests.mnistLinGrow, seed: seed)
    }

    @Test(arguments: ["ranet", "msdnet"])
    func trainingStepEqualsTheSeparateOps(arch: String) throws {
        let model = try Self.model(arch, seed: 4)
        var rng = TestRNG(seed: 9)
        let input = Tensor(shape: [2, 1, 28, 28], values: rng.array(2 * 784))
        let fused = try Self.step(model, probe: false, input: input, labels: [3, 8])
        let separate = try Self.step(model, probe: true, input: input, labels: [3, 8])
        #expect(fused.logits == separate.logits)
        #expect(fused.grads == separate.grads)
        #expect(fused.buffers == separate.buffers)
        #expect(fused.grads.contains { $0.contains { $0 != 0 } })
    }

    /// Training graphs append concatenations in place (branches and transitions writing into their places in the
    /// block's buffer); a whole step must equal, bit for bit, one that copies every concatenation.
    @Test(arguments: ["ranet", "msdnet"])
    func trainingStepInPlaceEqualsCopies(arch: String) throws {
        let model = try Self.model(arch, seed: 6)
        var rng = TestRNG(seed: 10)
        let input = Tensor(shape: [3, 1, 28, 28], values: rng.array(3 * 784))
        let inPlace = try Self.step(model, probe: false, input: input, labels: [1, 4, 9])
        let copied = try Self.step(model, probe: false, copies: true, input: input, labels: [1, 4, 9])
        #expect(inPlace.logits == copied.logits)
        #expect(inPlace.grads == copied.grads)
        #expect(inPlace.buffers == copied.buffers)
    }

    /// Evaluation without gradients folds every BN+ReLU into its conv and (RANet) appends dense blocks in place; its
    /// logits must match an evaluation graph that records gradients (separate ops, copying concatenation).
    @Test(arguments: ["ranet", "msdnet"])
    func inferenceGraphEqualsTheRecordingEvaluationGraph(arch: String) throws {
        let model = try Self.model(arch, seed: 5)
        var rng = TestRNG(seed: 12)
        for b in model.store.buffers {  // running statistics away from 0 / 1, so the fold has work to do
            let values = rng.array(b.value.count, scale: 0.2).map {
                b.name.hasSuffix("running_var") ? 1 + 2 * abs($0) : $0
            }
            b.value.copy(from: Tensor(shape: b.value.shape, values: values))
        }
        let input = Tensor(shape: [3, 1, 28, 28], values: rng.array(3 * 784))
        let fast = Graph(training: false, recordsGradients: false)
        let reference = Graph(training: false, recordsGradients: true)
        let a = try model.forward(fast, fast.input(input))
        let b = try model.forward(reference, reference.input(input))
        #expect(a.count == model.exitCount && b.count == model.exitCount)
        for (x, y) in zip(a, b) { #expect(scaledMaxError(x.value.array, y.value.array) < 1e-5) }
    }
}
