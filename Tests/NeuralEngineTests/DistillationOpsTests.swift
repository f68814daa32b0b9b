import Foundation
import NeuralEngine
import TestSupport
import Testing

/// The ops of the improved training techniques: gradient rescaling, flattening, the softened KL divergence, and
/// frozen parameters.
@Suite struct DistillationOpsTests {
    @Test func klDivergenceMatchesTheDefinitionWithMeanOverEveryElement() throws {
        var rng = TestRNG(seed: 11)
        let student = Tensor(shape: [3, 5], values: rng.array(15).map { $0 * 4 })
        let teacher = Tensor(shape: [3, 5], values: rng.array(15).map { $0 * 4 })
        let t: Float = 2.5
        let g = Graph(training: true, recordsGradients: false)
        let kl = try g.softenedKLDivergence(student: g.input(student), teacher: g.input(teacher), temperature: t)
        func logSoftmax(_ row: [Float]) -> [Double] {
            let z = row.map { Double($0 / t) }
            let m = z.max()!
            let lse = m + log(z.map { exp($0 - m) }.reduce(0, +))
            return z.map { $0 - lse }
        }
        var expected = 0.0
        for i in 0..<3 {
            let q = logSoftmax(Array(student.array[(i * 5)..<(i * 5 + 5)]))
            let p = logSoftmax(Array(teacher.array[(i * 5)..<(i * 5 + 5)]))
            for j in 0..<5 { expected += exp(p[j]) * (p[j] - q[j]) }
        }
        // 'mean' divides by N * classes (15), not by N (3).
        #expect(abs(Double(kl.value[0]) - expected / 15) < 1e-6)
    }

    @Test func klDivergenceGradientMatchesFiniteDifferences() throws {
        var rng = TestRNG(seed: 12)
        let student = randomParameter("s", [4, 6], rng: &rng, scale: 3)
        let teacher = Tensor(shape: [4, 6], values: rng.array(24).map { $0 * 3 })
        let err = try gradientCheck(params: [student], eps: 1e-2) { g, nodes in
            try g.softenedKLDivergence(student: nodes[0], teacher: g.input(teacher), temperature: 3)
        }
        #expect(err < 2e-2)
    }

    @Test func temperatureMustBePositive() throws {
        let g = Graph(training: true)
        let x = g.input(Tensor(zeros: [2, 3]))
        #expect(throws: EngineError.self) { try g.softenedKLDivergence(student: x, teacher: x, temperature: 0) }
    }

    /// The value passes unchanged; the gradient is multiplied by the weight (and chains multiply).
    @Test func scaleGradientRescalesOnlyTheGradient() throws {
        var rng = TestRNG(seed: 13)
        let x = randomParameter("x", [2, 3, 2, 2], rng: &rng)
        let w = randomParameter("w", [4, 12], rng: &rng)
        func grads(_ scales: [Float]) throws -> (value: [Float], grad: [Float]) {
            x.grad.fill(0)
            let g = Graph(training: true)
            var node = g.parameter(x)
            for s in scales { node = g.scaleGradient(node, by: s) }
            let y = try g.linear(node, weight: w, bias: nil)
            try g.backward(y, seed: Tensor(shape: y.shape, values: (0..<8).map { Float($0) - 3 }))
            return (y.value.array, x.grad.array)
        }
        let plain = try grads([])
        let scaled = try grads([0.25, 3])
        #expect(plain.value == scaled.value)
        for (a, b) in zip(plain.grad, scaled.grad) { #expect(abs(a * 0.75 - b) <= 1e-6 * max(1, abs(a))) }
        let g = Graph(training: false, recordsGradients: false)
        let input = g.input(x.value)
        #expect(g.scaleGradient(input, by: 2) === input)
    }

    @Test func flattenFeaturesKeepsValuesAndPassesGradients() throws {
        var rng = TestRNG(seed: 14)
        let x = randomParameter("x", [2, 3, 2, 2], rng: &rng)
        let err = try gradientCheck(params: [x]) { g, nodes in
            let flat = g.flattenFeatures(nodes[0])
            #expect(flat.shape == [2, 12, 1, 1])
            return flat
        }
        #expect(err < 2e-2)
    }

    /// A frozen parameter gets no gradient and no SGD step (not even weight decay); the batch norm it belongs to
    /// still updates its running statistics.
    @Test func frozenParametersTakeNoGradientNorStep() throws {
        var rng = TestRNG(seed: 15)
        let store = ParameterStore()
        let bn = BatchNorm2d(store, "bn", channels: 2)
        let head = store.parameter("head.weight", [3, 2])
        for i in 0..<6 { head.value[i] = rng.uniform() }
        bn.weight.frozen = true
        bn.bias.frozen = true
        #expect(store.trainableParameters.map(\.name) == ["head.weight"])
        let g = Graph(training: true)
        let x = g.input(Tensor(shape: [4, 2, 1, 1], values: rng.array(8).map { $0 * 5 + 1 }))
        let y = try g.linear(try g.batchNorm(x, bn), weight: head, bias: nil)
        try g.backward(y, seed: Tensor(shape: y.shape, values: rng.array(12)))
        #expect(bn.weight.grad.array == [0, 0] && bn.bias.grad.array == [0, 0])
        #expect(head.grad.array.contains { $0 != 0 })
        #expect(bn.runningMean.value.array != [0, 0])
        let before = bn.weight.value.array
        let headBefore = head.value.array
        bn.weight.grad.fill(1)
        let sgd = try SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)
        sgd.step(store.parameters)
        #expect(bn.weight.value.array == before)
        #expect(head.value.array != headBefore)
    }

    @Test func namePrefixGoesBeforeLaterNames() {
        let store = ParameterStore()
        store.namePrefix = "net."
        _ = store.parameter("a", [1])
        _ = store.buffer("b", [1])
        store.namePrefix = ""
        _ = store.parameter("c", [1])
        #expect(store.namedTensors.map(\.0) == ["net.a", "c", "net.b"])
    }
}
