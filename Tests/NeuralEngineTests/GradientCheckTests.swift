import NeuralEngine
import TestSupport
import Testing

/// Finite-difference checks of every op's backward (Float32 central differences; tolerance 2e-2 of the largest
/// gradient, which catches any wrong term while allowing Float32 rounding in the differences).
@Suite struct GradientCheckTests {
    static let tolerance: Float = 2e-2

    struct ConvCase: CustomTestStringConvertible, Sendable {
        let n, c, h, w, out, k, stride, pad: Int
        let bias: Bool
        var testDescription: String { "\(n)x\(c)x\(h)x\(w) -> \(out) k\(k) s\(stride) p\(pad)\(bias ? " bias" : "")" }
    }

    @Test(arguments: [
        ConvCase(n: 2, c: 3, h: 7, w: 6, out: 4, k: 3, stride: 1, pad: 1, bias: false),
        ConvCase(n: 2, c: 3, h: 7, w: 7, out: 5, k: 3, stride: 2, pad: 1, bias: false),
        ConvCase(n: 3, c: 6, h: 5, w: 5, out: 4, k: 1, stride: 1, pad: 0, bias: false),
        ConvCase(n: 1, c: 3, h: 17, w: 16, out: 3, k: 1, stride: 1, pad: 0, bias: true),
        ConvCase(n: 2, c: 2, h: 11, w: 9, out: 3, k: 7, stride: 2, pad: 3, bias: true),
        ConvCase(n: 2, c: 2, h: 6, w: 6, out: 2, k: 2, stride: 2, pad: 0, bias: false),
    ])
    func conv2d(_ t: ConvCase) throws {
        var rng = TestRNG(seed: 1)
        let x = randomParameter("x", [t.n, t.c, t.h, t.w], rng: &rng)
        let w = randomParameter("w", [t.out, t.c, t.k, t.k], rng: &rng, scale: 0.5)
        let b = randomParameter("b", [t.out], rng: &rng)
        let params = t.bias ? [x, w, b] : [x, w]
        let err = try gradientCheck(params: params) { g, nodes in
            try g.conv2d(nodes[0], weight: w, bias: t.bias ? b : nil, stride: t.stride, padding: t.pad)
        }
        #expect(err < Self.tolerance, "conv \(t.testDescription): error \(err)")
    }

    @Test(arguments: [true, false])
    func batchNorm(training: Bool) throws {
        var rng = TestRNG(seed: 2)
        let store = ParameterStore()
        let bn = BatchNorm2d(store, "bn", channels: 3)
        for i in 0..<3 {
            bn.weight.value[i] = 0.5 + Float(i)
            bn.bias.value[i] = Float(i) - 1
        }
        for i in 0..<3 {
            bn.runningMean.value[i] = 0.1 * Float(i)
            bn.runningVar.value[i] = 1 + Float(i)
        }
        let x = randomParameter("x", [4, 3, 3, 2], rng: &rng, scale: 2)
        let err = try gradientCheck(params: [x, bn.weight, bn.bias], training: training, eps: 1e-2) { g, nodes in
            try g.batchNorm(nodes[0], bn)
        }
        #expect(err < Self.tolerance, "batchNorm training=\(training): error \(err)")
    }

    @Test func reluAfterConv() throws {
        var rng = TestRNG(seed: 3)
        let x = randomParameter("x", [2, 3, 4, 5], rng: &rng)
        let err = try gradientCheck(params: [x], eps: 1e-3) { g, nodes in g.relu(nodes[0]) }
        #expect(err < Self.tolerance)
    }

    @Test func averagePooling() throws {
        var rng = TestRNG(seed: 4)
        let x = randomParameter("x", [2, 3, 5, 4], rng: &rng)
        let err = try gradientCheck(params: [x]) { g, nodes in try g.avgPool(nodes[0], kernel: 2) }
        #expect(err < Self.tolerance)
    }

    @Test func maxPoolingStem() throws {
        var rng = TestRNG(seed: 5)
        let x = randomParameter("x", [2, 2, 7, 6], rng: &rng)
        let err = try gradientCheck(params: [x], eps: 1e-3) { g, nodes in
            try g.maxPool(nodes[0], kernel: 3, stride: 2, padding: 1)
        }
        #expect(err < Self.tolerance)
    }

    @Test(arguments: [(5, 7, 9, 13), (9, 13, 5, 7), (8, 8, 3, 5), (3, 3, 1, 1), (4, 6, 7, 3)])
    func bilinearResize(_ sizes: (Int, Int, Int, Int)) throws {
        var rng = TestRNG(seed: 6)
        let x = randomParameter("x", [2, 2, sizes.0, sizes.1], rng: &rng)
        let err = try gradientCheck(params: [x]) { g, nodes in
            try g.resize(nodes[0], height: sizes.2, width: sizes.3)
        }
        #expect(err < Self.tolerance, "resize \(sizes): error \(err)")
    }

    @Test func concatenationOfThree() throws {
        var rng = TestRNG(seed: 7)
        let a = randomParameter("a", [2, 1, 3, 3], rng: &rng)
        let b = randomParameter("b", [2, 3, 3, 3], rng: &rng)
        let c = randomParameter("c", [2, 2, 3, 3], rng: &rng)
        let err = try gradientCheck(params: [a, b, c]) { g, n in
            // a is used twice so the accumulation of two gradient contributions is checked too.
            try g.concat([n[0], n[1], try g.concat([n[2], n[0]])])
        }
        #expect(err < Self.tolerance)
    }

    @Test func linearWithBias() throws {
        var rng = TestRNG(seed: 8)
        let x = randomParameter("x", [3, 4, 1, 1], rng: &rng)
        let w = randomParameter("w", [5, 4], rng: &rng)
        let b = randomParameter("b", [5], rng: &rng)
        let err = try gradientCheck(params: [x, w, b]) { g, n in try g.linear(n[0], weight: w, bias: b) }
        #expect(err < Self.tolerance)
    }

    @Test func crossEntropyAndWeightedSum() throws {
        var rng = TestRNG(seed: 9)
        let a = randomParameter("a", [4, 6], rng: &rng, scale: 3)
        let b = randomParameter("b", [4, 6], rng: &rng, scale: 3)
        let labels: [Int32] = [0, 5, 2, 2]
        let err = try gradientCheck(params: [a, b], eps: 1e-2) { g, n in
            let la = try g.crossEntropy(n[0], labels: labels)
            let lb = try g.crossEntropy(n[1], labels: labels)
            return try g.weightedSum([la, lb], weights: [1, 0.5])
        }
        #expect(err < Self.tolerance)
    }
}
