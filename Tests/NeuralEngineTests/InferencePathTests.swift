import TestSupport
import Testing

@testable import NeuralEngine

/// Graphs append concatenations in place (training ones too), and inference graphs (no training, no gradients) fold
/// batch norm + ReLU into the convolution; a graph that records gradients and copies every concatenation takes
/// neither shortcut, so it is the reference here.
@Suite struct InferencePathTests {
    final class Weights {
        let store = ParameterStore()
        var rng = TestRNG(seed: 21)
        func conv(_ name: String, _ out: Int, _ cin: Int, _ k: Int) -> Parameter {
            let w = store.parameter(name, [out, cin, k, k])
            w.value.copy(from: Tensor(shape: w.shape, values: rng.array(w.value.count, scale: 0.4)))
            return w
        }
        func norm(_ name: String, _ channels: Int) -> BatchNorm2d {
            let bn = BatchNorm2d(store, name, channels: channels)
            for (t, offset, scale) in [
                (bn.weight.value, 1, 0.5), (bn.bias.value, 0, 0.3), (bn.runningMean.value, 0, 0.2),
                (bn.runningVar.value, 1, 0.5),
            ] as [(Tensor, Float, Float)] {
                t.copy(from: Tensor(shape: t.shape, values: rng.array(t.count, scale: scale).map { $0 + offset }))
            }
            return bn
        }
    }

    /// A chain of concatenations read by every conv path (direct, per-image 1x1, gathered 1x1, small-plane "same" and
    /// strided im2col), by resize, by an op that needs a dense input (batch norm) and by a forked concatenation.
    static func chain(_ g: Graph, _ w: Weights, _ input: Tensor) throws -> [String: Node] {
        var n: [String: Node] = [:]
        let x0 = try g.conv2d(g.input(input), weight: w.conv("c0", 4, 3, 3), padding: 1)
        n["c1"] = try g.concat([x0, try g.conv2d(x0, weight: w.conv("c1", 2, 4, 3), padding: 1)], reserveChannels: 10)
        n["b2"] = try g.conv2d(n["c1"]!, weight: w.conv("c2", 2, 6, 3), padding: 1)  // direct conv
        n["c2"] = try g.concat([n["c1"]!, n["b2"]!], reserveChannels: 10)
        n["b3"] = try g.conv2d(n["c2"]!, weight: w.conv("c3", 2, 8, 1))  // 1x1 per image
        n["c3"] = try g.concat([n["c2"]!, n["b3"]!], reserveChannels: 10)
        n["fork"] = try g.concat([n["c2"]!, try g.conv2d(n["c1"]!, weight: w.conv("c4", 3, 6, 1))])
        n["wide"] = try g.conv2d(n["c2"]!, weight: w.conv("c5", 13, 8, 3), padding: 1)  // im2col, 12 wide
        n["down"] = try g.conv2d(n["c2"]!, weight: w.conv("c6", 3, 8, 3), stride: 2, padding: 1)  // table im2col
        n["resized"] = try g.resize(n["c2"]!, height: 7, width: 7, reserveChannels: 11)  // written into a buffer
        n["r1"] = try g.concat(
            [n["resized"]!, try g.conv2d(n["resized"]!, weight: w.conv("c10", 3, 8, 1))],
            reserveChannels: 11)
        n["norm"] = try g.batchNorm(n["c2"]!, w.norm("n0", 8))
        let small = try g.resize(n["c3"]!, height: 6, width: 6)
        n["s1"] = try g.concat([small, try g.conv2d(small, weight: w.conv("c7", 2, 10, 1))], reserveChannels: 18)
        n["s2"] = try g.conv2d(n["s1"]!, weight: w.conv("c8", 3, 12, 3), padding: 1)  // small "same" planes
        n["s3"] = try g.conv2d(n["s1"]!, weight: w.conv("c9", 4, 12, 1))  // gathered 1x1
        n["s4"] = try g.concat([n["s1"]!, n["s2"]!], reserveChannels: 18)
        // Outputs written into their places behind s4 (a conv and an identity resize), then concatenated in order.
        let convSlot = g.slot(after: n["s4"]!, channels: 2)
        let copySlot = g.slot(after: n["s4"]!, skipping: 2, channels: 1)
        n["placedConv"] = try g.convBNReLU(n["s4"]!, weight: w.conv("c11", 2, 15, 1), w.norm("n1", 2), into: convSlot)
        let one = try g.conv2d(n["s4"]!, weight: w.conv("c12", 1, 15, 1))
        n["placedCopy"] = try g.resize(one, height: 6, width: 6, into: copySlot)
        // A concatenation of s4 with something else meanwhile must not touch the claimed places.
        n["other"] = try g.concat([n["s4"]!, one])
        n["s5"] = try g.concat([n["s4"]!, n["placedConv"]!, n["placedCopy"]!], reserveChannels: 18)
        return n
    }

    @Test func concatenationsAppendInPlaceAndEqualCopies() throws {
        var rng = TestRNG(seed: 5)
        let input = Tensor(shape: [2, 3, 12, 12], values: rng.array(2 * 3 * 144))
        let fast = Graph(training: false, recordsGradients: false)
        let reference = Graph(training: false, recordsGradients: true)
        reference.copiesConcatenations = true
        let a = try Self.chain(fast, Weights(), input)
        let b = try Self.chain(reference, Weights(), input)
        for (name, node) in a {
            #expect(node.shape == b[name]!.shape, "\(name)")
            #expect(node.value.array.elementsEqual(b[name]!.value.array), "\(name) differs from the copying graph")
        }
        // The chain shares one buffer; the fork found it grown past its first input and copied.
        #expect(a["c2"]!.storage.data == a["c1"]!.storage.data && a["c3"]!.storage.data == a["c1"]!.storage.data)
        #expect(!a["c2"]!.isDense && a["c3"]!.isDense)
        #expect(a["fork"]!.channelBuffer == nil)
        #expect(a["s4"]!.storage.data == a["s1"]!.storage.data)
        #expect(a["r1"]!.storage.data == a["resized"]!.storage.data, "the resize's concatenation copied it")
        #expect(a["s5"]!.storage.data == a["s4"]!.storage.data && a["s5"]!.isDense)
        #expect(a["placedConv"]!.channelBuffer === a["s4"]!.channelBuffer && a["placedConv"]!.channelOffset == 15)
        #expect(a["placedCopy"]!.channelOffset == 17 && a["other"]!.channelBuffer !== a["s4"]!.channelBuffer)
        #expect(b["c2"]!.storage.data != b["c1"]!.storage.data)
    }

    /// Training graphs append in place too: the same chain forward and backward (every node pooled into one output)
    /// gives bit for bit the values, parameter gradients and running statistics of the copying graph.
    @Test func trainingConcatenationsInPlaceEqualCopies() throws {
        var rng = TestRNG(seed: 7)
        let input = Tensor(shape: [2, 3, 12, 12], values: rng.array(2 * 3 * 144))
        var runs: [(nodes: [String: Node], weights: Weights)] = []
        for copies in [false, true] {
            let g = Graph(training: true)
            g.copiesConcatenations = copies
            let w = Weights()
            let nodes = try Self.chain(g, w, input)
            let pooled = try nodes.keys.sorted().map { try g.avgPool(nodes[$0]!, kernel: nodes[$0]!.shape[2]) }
            let all = try g.concat(pooled)
            var seedRNG = TestRNG(seed: 8)
            try g.backward(all, seed: Tensor(shape: all.shape, values: seedRNG.array(all.shape.reduce(1, *))))
            runs.append((nodes, w))
        }
        let (fast, reference) = (runs[0], runs[1])
        #expect(fast.nodes["c3"]!.storage.data == fast.nodes["c1"]!.storage.data, "the training chain copied")
        #expect(fast.nodes["placedConv"]!.channelBuffer === fast.nodes["s4"]!.channelBuffer)
        #expect(reference.nodes["c2"]!.storage.data != reference.nodes["c1"]!.storage.data)
        for (name, node) in fast.nodes {
            #expect(node.value.array.elementsEqual(reference.nodes[name]!.value.array), "\(name) differs")
        }
        let names = Set(reference.weights.store.parameters.map(\.name))
        #expect(fast.weights.store.parameters.count == names.count && names.count >= 12)
        for (p, q) in zip(fast.weights.store.parameters, reference.weights.store.parameters) {
            #expect(p.name == q.name)
            #expect(p.grad.array.elementsEqual(q.grad.array), "gradient of \(p.name) differs")
            #expect(p.grad.array.contains { $0 != 0 }, "no gradient reached \(p.name)")
        }
        for (p, q) in zip(fast.weights.store.buffers, reference.weights.store.buffers) {
            #expect(p.value.array.elementsEqual(q.value.array), "\(p.name) differs")
        }
    }

    @Test func aBufferOutlivesItsFirstViewAndIsRecycledAfterTheLast() throws {
        var rng = TestRNG(seed: 6)
        let w = Weights()
        let g = Graph(training: false, recordsGradients: false)
        let input = g.input(Tensor(shape: [1, 2, 8, 8], values: rng.array(128)))
        let k = w.conv("k", 2, 2, 3)
        var first: Node? = try g.concat([input, try g.conv2d(input, weight: k, padding: 1)], reserveChannels: 6)
        var second: Node? = try g.concat(
            [first!, try g.conv2d(first!, weight: w.conv("k2", 2, 4, 1))], reserveChannels: 6)
        let expected = second!.value.array
        first = nil
        let churn = try g.conv2d(input, weight: k, padding: 1)  // must not get the shared buffer
        #expect(second!.value.array == expected)
        _ = churn
        let storage = second!.storage.data
        second = nil
        let reused = try g.conv2d(g.input(Tensor(zeros: [1, 6, 8, 8])), weight: w.conv("k3", 6, 6, 1))
        #expect(reused.storage.data == storage, "the buffer was not handed back when its last view went away")
    }

    /// (input channels, output channels, plane, kernel, stride, bias) reaching: the direct conv, the per-image 1x1
    /// GEMM, the gathered 1x1, small "same" planes, the stride-2 table im2col, wide im2col.
    @Test(arguments: [
        (3, 10, 12, 3, 1, true), (20, 10, 9, 1, 1, false), (8, 10, 4, 1, 1, true), (6, 10, 6, 3, 1, false),
        (7, 10, 7, 3, 2, true), (5, 13, 16, 3, 1, false),
    ])
    func convBatchNormReLUFoldsIntoTheConvolution(
        cin: Int, out: Int, plane: Int, kernel: Int, stride: Int,
        bias: Bool
    ) throws {
        var rng = TestRNG(seed: UInt64(cin * 100 + plane))
        let weights = Weights()
        let conv = weights.conv("w", out, cin, kernel)
        let b: Parameter? = bias ? weights.store.parameter("b", [out]) : nil
        b?.value.copy(from: Tensor(shape: [out], values: rng.array(out)))
        let bn = weights.norm("bn", out)
        let input = Tensor(shape: [3, cin, plane, plane], values: rng.array(3 * cin * plane * plane))
        let fast = Graph(training: false, recordsGradients: false)
        let fused = try fast.convBNReLU(
            fast.input(input), weight: conv, bias: b, stride: stride, padding: kernel / 2, bn)
        let reference = Graph(training: false, recordsGradients: true)
        let separate = reference.relu(
            try reference.batchNorm(
                try reference.conv2d(
                    reference.input(input), weight: conv, bias: b, stride: stride, padding: kernel / 2), bn))
        #expect(fused.shape == separate.shape)
        #expect(scaledMaxError(fused.value.array, separate.value.array) < 2e-6)
        #expect(fused.value.array.contains(0) && fused.value.array.contains { $0 > 0 })

        // The same output written into the first channels of a wider buffer, which a concatenation then extends.
        let reserved = try fast.convBNReLU(
            fast.input(input), weight: conv, bias: b, stride: stride, padding: kernel / 2,
            bn, reserveChannels: out + 2)
        #expect(!reserved.isDense && reserved.imageStride == (out + 2) * fused.shape[2] * fused.shape[3])
        #expect(reserved.value.array.elementsEqual(fused.value.array))
        let extra = fast.input(
            Tensor(
                shape: [3, 2] + fused.shape.suffix(2),
                values: rng.array(6 * fused.shape[2] * fused.shape[3])))
        let grown = try fast.concat([reserved, extra], reserveChannels: out + 2)
        #expect(grown.storage.data == reserved.storage.data && grown.isDense)
        let plane = fused.shape[2] * fused.shape[3]
        let g = grown.value.array
        let f = fused.value.array
        let e = extra.value.array
        for img in 0..<3 {
            #expect(
                Array(g[(img * (out + 2)) * plane..<(img * (out + 2) + out) * plane])
                    == Array(f[img * out * plane..<(img + 1) * out * plane]), "image \(img): the conv's channels")
            #expect(
                Array(g[(img * (out + 2) + out) * plane..<(img + 1) * (out + 2) * plane])
                    == Array(e[img * 2 * plane..<(img + 1) * 2 * plane]), "image \(img): the appended channels")
        }
    }
}
