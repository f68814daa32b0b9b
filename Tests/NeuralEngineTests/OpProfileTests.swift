import NeuralEngine
import TestSupport
import Testing

/// The benchmark's per-layer accounting: conv time is split by shape, forward and backward, with the multiply-adds
/// each direction did (backward: dW always, dx only when the input needs a gradient).
@Suite struct OpProfileTests {
    @Test func convTimeIsAccountedPerShapeAndDirection() throws {
        var rng = TestRNG(seed: 11)
        let w1 = randomParameter("w1", [4, 3, 3, 3], rng: &rng)
        let w2 = randomParameter("w2", [2, 4, 1, 1], rng: &rng)
        let graph = Graph(training: true)
        let profile = OpProfile()
        graph.profile = profile
        let x = graph.input(Tensor(shape: [2, 3, 6, 6], values: (0..<216).map { Float($0 % 7) - 3 }))
        let y = try graph.conv2d(x, weight: w1, padding: 1)
        let z = try graph.conv2d(y, weight: w2)
        try graph.backward(z, seed: Tensor(shape: z.shape, values: [Float](repeating: 1, count: 2 * 2 * 36)))

        let first = try #require(profile.convShapes["3x3/1 3->4 at 6x6"])
        let second = try #require(profile.convShapes["1x1/1 4->2 at 6x6"])
        #expect(profile.convShapes.count == 2)
        let macs1 = 2 * 4 * 27 * 36
        let macs2 = 2 * 2 * 4 * 36
        #expect(first.macs == macs1 * 2, "the image input needs no dx: forward + dW")
        #expect(second.macs == macs2 * 3, "forward + dW + dx")
        #expect(first.forward > 0 && first.backward > 0 && second.forward > 0 && second.backward > 0)
        #expect(first.seconds <= profile.forward["conv", default: 0] + profile.backward["conv", default: 0])
        profile.reset()
        #expect(profile.convShapes.isEmpty)
    }
}
