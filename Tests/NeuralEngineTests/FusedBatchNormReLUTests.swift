import NeuralEngine
import TestSupport
import Testing

/// batchNormReLU must be exactly relu(batchNorm(x)): same outputs, gradients and running statistics, bit for bit,
/// and the same cost (the reference counts ReLU elements). The parity vectors run the separate ops (their kink probe
/// needs the pre-ReLU values), so this is what ties the fused path to the reference.
@Suite struct FusedBatchNormReLUTests {
    struct Pass {
        let output: [Float], dx: [Float], dGamma: [Float], dBeta: [Float], runningMean: [Float], runningVar: [Float]
    }

    static func run(fused: Bool, training: Bool, seed: UInt64 = 21) throws -> Pass {
        var rng = TestRNG(seed: seed)
        let store = ParameterStore()
        let bn = BatchNorm2d(store, "bn", channels: 5)
        for i in 0..<5 {
            bn.weight.value[i] = 0.5 + 0.3 * Float(i)
            bn.bias.value[i] = 0.2 * Float(i) - 0.4
        }
        for i in 0..<5 {
            bn.runningMean.value[i] = 0.05 * Float(i)
            bn.runningVar.value[i] = 1 + 0.1 * Float(i)
        }
        // 5 channels of 6x7 planes: lanes of 16 plus a remainder in every plane.
        let x = randomParameter("x", [3, 5, 6, 7], rng: &rng, scale: 2)
        let graph = Graph(training: training, recordsGradients: training)
        let xn = graph.parameter(x)
        let out = fused ? try graph.batchNormReLU(xn, bn) : graph.relu(try graph.batchNorm(xn, bn))
        if training {
            try graph.backward(out, seed: Tensor(shape: out.shape, values: rng.array(out.value.count)))
        }
        return Pass(
            output: out.value.array, dx: x.grad.array, dGamma: bn.weight.grad.array, dBeta: bn.bias.grad.array,
            runningMean: bn.runningMean.value.array, runningVar: bn.runningVar.value.array)
    }

    @Test(arguments: [true, false])
    func equalsSeparateOpsBitForBit(training: Bool) throws {
        let fused = try Self.run(fused: true, training: training)
        let plain = try Self.run(fused: false, training: training)
        #expect(fused.output == plain.output)
        #expect(fused.output.contains(0) && fused.output.contains { $0 > 0 }, "both sides of the ReLU are exercised")
        #expect(fused.dx == plain.dx && fused.dGamma == plain.dGamma && fused.dBeta == plain.dBeta)
        #expect(fused.runningMean == plain.runningMean && fused.runningVar == plain.runningVar)
        if training { #expect(fused.dx.contains { $0 != 0 }) }
    }

    @Test func countsTheReLUInTheCostModel() throws {
        func flops(fused: Bool) throws -> Int {
            let store = ParameterStore()
            let bn = BatchNorm2d(store, "bn", channels: 2)
            let graph = Graph(training: false)
            graph.performsArithmetic = false
            let counter = OpCounter()
            graph.counter = counter
            let x = graph.input(Tensor(zeros: [2, 2, 3, 3]))
            _ = fused ? try graph.batchNormReLU(x, bn) : graph.relu(try graph.batchNorm(x, bn))
            return counter.flops
        }
        #expect(try flops(fused: true) == 36 && flops(fused: false) == 36)
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        var rng = TestRNG(seed: 5)
        let store = ParameterStore()
        let bn = BatchNorm2d(store, "bn", channels: 3)
        for i in 0..<3 {
            bn.weight.value[i] = 0.5 + Float(i)
            bn.bias.value[i] = Float(i) - 1
        }
        let x = randomParameter("x", [4, 3, 3, 2], rng: &rng, scale: 2)
        let err = try gradientCheck(params: [x, bn.weight, bn.bias], eps: 1e-2) { g, nodes in
            try g.batchNormReLU(nodes[0], bn)
        }
        #expect(err < GradientCheckTests.tolerance)
    }
}
