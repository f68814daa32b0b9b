@testable import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import TestSupport
import Testing

@Suite struct IMTATests {
    /// Sets MS-GE and MS-IMTA (the official kalviny/IMTA code): every group passes, the stage chosen from the `imta`
    /// metadata.
    @Test(arguments: ["MS-GE", "MS-IMTA"])
    func imtaVectorSetsPassEveryGroup(_ set: String) throws {
        let results = try VectorVerification.run(directory: SharedFixtures.path("vectors/\(set)"))
        #expect(
            results.map(\.group) == [
                "eval logits", "train logits", "loss", "gradients", "BN running stats", "SGD step",
                "eval logits after step",
            ])
        for r in results {
            #expect(
                r.passed,
                "\(set) \(r.group): max relative error \(r.maxRelative) (abs \(r.maxAbsolute)) at \(r.worstTensor)")
        }
        // GE trains every parameter; stage 2 only the 3 heads and 2 ISC modules (Linear + BN affine each).
        #expect(results.first { $0.group == "gradients" }?.tensors == (set == "MS-GE" ? 108 : 14))
    }

    /// The ISC modules' Linear biases have an exactly-zero gradient (a training-mode BatchNorm follows): compared as
    /// such, noise passes and a real gradient of the group's order fails.
    @Test func gradientsThatAreZeroInExactArithmeticMustStayNearZero() throws {
        func group(_ bias: Float) throws -> VectorVerification.GroupResult {
            var c = VectorVerification.Comparison(file: "test")
            try c.compare("w", Tensor(shape: [2], values: [0.6, 0.1]), .init(shape: [2], values: [0.6, 0.1]))
            try c.compareToZero("b", Tensor(shape: [2], values: [bias, 0]), .init(shape: [2], values: [5e-7, 0]))
            return c.result("gradients")
        }
        #expect(try group(1e-6).passed)
        #expect(try !group(1e-4).passed)
        #expect(try group(1e-4).worstTensor == "b")
    }

    static let msdnet = MSDNetConfig(
        nBlocks: 3, stepMode: "even", step: 1, base: 1, nChannels: 4, growthRate: 2, grFactor: [1, 2],
        bnFactor: [1, 2],
        classes: 5, input: [1, 12, 12])
    static let ranet = RANetConfig(
        nChannels: 4, growthRate: 4, grFactor: [2, 1], bnFactor: [2, 1], scaleList: [1, 2], nBlocks: 1, blockStep: 2,
        step: 1, stepMode: "even", classes: 4, input: [1, 12, 12])

    /// The reference's state_dict: the stage-1 network under `net.`, then `classifier.i` (|f_0| inputs, then 2|f_i|)
    /// and `isc_modules.i` (Linear classes -> |f_{i+1}|, BatchNorm1d); only the new ones are trainable.
    @Test(arguments: [ModelConfig.msdnet(msdnet), .ranet(ranet)])
    func namesShapesAndFrozenBackbone(_ config: ModelConfig) throws {
        let plain = try ModelFactory.build(config) as! any PooledFeatureNetwork
        let imta = try IMTANetwork(backbone: config)
        let widths = plain.exitFeatureCounts
        let k = plain.exitCount
        let backbone = imta.store.namedTensors.filter { $0.0.hasPrefix("net.") }
        #expect(backbone.map(\.0) == plain.store.namedTensors.map { "net." + $0.0 })
        let shapes = Dictionary(uniqueKeysWithValues: imta.store.namedTensors.map { ($0.0, $0.1.shape) })
        for i in 0..<k {
            #expect(shapes["classifier.\(i).weight"] == [config.classes, i == 0 ? widths[0] : 2 * widths[i]])
        }
        for i in 0..<(k - 1) {
            #expect(shapes["isc_modules.\(i).0.weight"] == [widths[i + 1], config.classes])
            #expect(shapes["isc_modules.\(i).1.running_var"] == [widths[i + 1]])
        }
        #expect(imta.store.trainableParameters.allSatisfy { !$0.name.hasPrefix("net.") })
        #expect(imta.store.trainableParameters.count == 2 * k + 4 * (k - 1))
    }

    /// The cost of exit i: the stage-1 network up to exit i's pooled features, the new heads 0..i and the ISC modules
    /// 0..i-1 (Linear = weights + biases, ReLU = elements, BN = 0), instead of the stage-1 linear heads.
    @Test(arguments: [ModelConfig.msdnet(msdnet), .ranet(ranet)])
    func costCountsNewHeadsAndISCModules(_ config: ModelConfig) throws {
        let plain = try ModelFactory.build(config, initialize: false) as! any PooledFeatureNetwork
        let imta = try ModelFactory.build(NetworkConfig(config, imtaHeads: true), initialize: false)
        let a = try plain.cost()
        let b = try imta.cost()
        let c = config.classes
        let w = plain.exitFeatureCounts
        var extraFlops = 0
        var extraParams = 0
        for i in 0..<plain.exitCount {
            let head = (i == 0 ? w[0] : 2 * w[i]) * c + c
            let own = w[i] * c + c
            let isc = i == 0 ? 0 : (c * w[i] + w[i]) + w[i]  // Linear + ReLU
            extraFlops += head - own + isc
            extraParams += head - own + (i == 0 ? 0 : c * w[i] + w[i] + 2 * w[i])  // Linear + BN affine
            #expect(b.cumulativeFlops[i] - a.cumulativeFlops[i] == extraFlops, "exit \(i)")
            #expect(b.cumulativeParams[i] - a.cumulativeParams[i] == extraParams, "exit \(i)")
        }
        #expect(b.classifierInput == a.classifierInput)
    }

    /// Gradient Equilibrium leaves the values alone and changes the backbone's gradients, not the last classifier's.
    @Test func gradientEquilibriumChangesGradientsNotValues() throws {
        let model = try MSDNet(config: Self.msdnet, seed: 2)
        let x = Tensor(shape: [4, 1, 12, 12], values: (0..<576).map { Float(($0 * 37) % 101) / 50 - 1 })
        let labels: [Int32] = [0, 1, 2, 3]
        func step(_ ge: Bool) throws -> (loss: Float, grads: [String: [Float]]) {
            model.gradientEquilibrium = ge
            model.store.zeroGrad()
            let g = Graph(training: true)
            let losses = try model.forward(g, g.input(x)).map { try g.crossEntropy($0, labels: labels) }
            let total = try g.weightedSum(losses, weights: [1, 1, 1])
            try g.backward(total)
            return (
                total.value[0],
                Dictionary(uniqueKeysWithValues: model.store.parameters.map { ($0.name, $0.grad.array) })
            )
        }
        let buffers = model.store.buffers.map { $0.value.clone() }
        let plain = try step(false)
        for (b, saved) in zip(model.store.buffers, buffers) { b.value.copy(from: saved) }
        let ge = try step(true)
        #expect(plain.loss == ge.loss)
        #expect(plain.grads["classifier.2.linear.weight"] == ge.grads["classifier.2.linear.weight"])
        #expect(plain.grads["blocks.0.0.layers.0.net.0.weight"] != ge.grads["blocks.0.0.layers.0.net.0.weight"])
    }

    /// Stage 2 on RANet: the distillation loss reaches the heads and ISC modules only, and training mode still updates
    /// the frozen backbone's BN statistics.
    @Test func ranetDistillationTrainsOnlyTheHeads() throws {
        let imta = try IMTANetwork(backbone: .ranet(Self.ranet), seed: 1)
        let x = Tensor(shape: [4, 1, 12, 12], values: (0..<576).map { Float(($0 * 13) % 29) / 14 - 1 })
        let g = Graph(training: true)
        let before = imta.store.buffers.map { $0.value.array }
        let out = try imta.distillationLoss(g, g.input(x), labels: [0, 1, 2, 3], settings: DistillationSettings())
        try g.backward(out.total)
        #expect(out.terms.count == 1 + 2 * (imta.exitCount - 1))
        #expect(abs(out.terms.reduce(0, +) - out.total.value[0]) < 1e-5)
        for p in imta.store.parameters {
            let touched = p.grad.array.contains { $0 != 0 }
            #expect(touched == !p.name.hasPrefix("net."), "\(p.name)")
        }
        #expect(zip(before, imta.store.buffers.map { $0.value.array }).contains { $0 != $1 })
    }

    @Test func distillationSettingsAreChecked() {
        #expect(throws: ConfigError.self) { try DistillationSettings(temperature: 0).validate() }
        #expect(throws: ConfigError.self) { try DistillationSettings(gamma: 1.01).validate() }
        #expect(throws: ConfigError.self) { try DistillationSettings(gamma: -0.1).validate() }
        #expect(throws: Never.self) { try DistillationSettings(temperature: 1, gamma: 0).validate() }
    }
}
