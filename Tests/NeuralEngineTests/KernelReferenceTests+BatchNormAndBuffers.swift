import Foundation
import TestSupport
import Testing

@testable import NeuralEngine

/// Batch-norm statistics, shape errors, and the reuse of gradient, activation and arena buffers.
extension KernelReferenceTests {
    /// The one-pass statistics (sum and sum of squares in double) on channels whose mean is far from 0 against their
    /// spread (1000 +- 1, and -50 +- 0.01): mean and variance as a two-pass double computation gives them.
    @Test func batchNormStatisticsOfOffsetChannels() throws {
        var rng = TestRNG(seed: 34)
        let (n, c, plane) = (4, 2, 49)
        var x = [Float](repeating: 0, count: n * c * plane)
        for img in 0..<n {
            for p in 0..<plane {
                x[(img * c) * plane + p] = 1000 + rng.array(1)[0]
                x[(img * c + 1) * plane + p] = -50 + 0.01 * rng.array(1)[0]
            }
        }
        let store = ParameterStore()
        var bn = BatchNorm2d(store, "bn", channels: c)
        bn.momentum = 1  // the running statistics become the batch's (unbiased variance)
        let graph = Graph(training: true)
        let y = try graph.batchNorm(graph.input(Tensor(shape: [n, c, 7, 7], values: x)), bn).value.array
        for ch in 0..<c {
            let values = (0..<n).flatMap { img in (0..<plane).map { Double(x[(img * c + ch) * plane + $0]) } }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            #expect(abs(Double(bn.runningMean.value[ch]) - mean) <= 1e-6 * abs(mean))
            let unbiased = variance * Double(values.count) / Double(values.count - 1)
            #expect(abs(Double(bn.runningVar.value[ch]) - unbiased) <= 1e-4 * unbiased, "channel \(ch) variance")
            for img in 0..<n {
                for p in 0..<plane {
                    let expected = (values[img * plane + p] - mean) / (variance + 1e-5).squareRoot()
                    #expect(abs(Double(y[(img * c + ch) * plane + p]) - expected) <= 2e-3, "channel \(ch)")
                }
            }
        }
    }

    @Test func batchNormRunningStatisticsUseUnbiasedVariance() throws {
        let store = ParameterStore()
        let bn = BatchNorm2d(store, "bn", channels: 1)
        let graph = Graph(training: true)
        let x = graph.input(Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 4]))
        let y = try graph.batchNorm(x, bn)
        // mean 2.5, biased var 1.25, unbiased 5/3.
        #expect(abs(bn.runningMean.value[0] - 0.25) < 1e-6)
        #expect(abs(bn.runningVar.value[0] - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-6)
        let expected0 = (1 - 2.5) / (1.25 + 1e-5).squareRoot()
        #expect(abs(Double(y.value[0]) - expected0) < 1e-5)
    }

    @Test func shapeErrorsNameTheOpAndShapes() throws {
        let store = ParameterStore()
        let w = store.parameter("layer.weight", [4, 3, 3, 3])
        let graph = Graph(training: false)
        let x = graph.input(Tensor(zeros: [1, 2, 8, 8]))
        #expect(throws: EngineError.self) { try graph.conv2d(x, weight: w) }
        do { _ = try graph.conv2d(x, weight: w) } catch {
            let text = "\(error)"
            #expect(
                text.contains("conv2d(layer.weight)") && text.contains("[1, 2, 8, 8]") && text.contains("[4, 3, 3, 3]"))
        }
        let a = graph.input(Tensor(zeros: [1, 2, 4, 4]))
        let b = graph.input(Tensor(zeros: [1, 2, 5, 4]))
        #expect(throws: EngineError.self) { try graph.concat([a, b]) }
        #expect(throws: EngineError.self) { try graph.crossEntropy(graph.input(Tensor(zeros: [2, 3])), labels: [0]) }
        #expect(throws: EngineError.self) { try graph.crossEntropy(graph.input(Tensor(zeros: [1, 3])), labels: [3]) }
    }

    /// Backward hands a gradient back once the op that produced its node has run: a chain of 12 convs needs a couple of
    /// gradient buffers, not 12, and later steps allocate none.
    @Test func gradientBuffersAreReusedWithinAndAcrossSteps() throws {
        var rng = SeededRNG(seed: 3)
        let store = ParameterStore()
        let x = store.parameter("x", [2, 3, 8, 8])
        x.value.fillNormal(std: 1, rng: &rng)
        let weights = (0..<12).map { i -> Parameter in
            let w = store.parameter("w\(i)", [3, 3, 3, 3])
            w.value.fillNormal(std: 0.3, rng: &rng)
            return w
        }
        let graph = Graph(training: true)
        var bytes: [Int] = []
        var gradients: [[Float]] = []
        for _ in 0..<3 {
            graph.reset()
            store.zeroGrad()
            var y = graph.parameter(x)
            for w in weights { y = graph.relu(try graph.conv2d(y, weight: w, padding: 1)) }
            try graph.backward(y, seed: Tensor(shape: y.shape, values: [Float](repeating: 1, count: y.value.count)))
            bytes.append(graph.gradientBytes)
            gradients.append(x.grad.array)
        }
        let tensorBytes = 2 * 3 * 8 * 8 * 4
        #expect(
            bytes[0] <= 3 * tensorBytes, "gradient buffers hold \(bytes[0]) bytes for 24 gradients of \(tensorBytes)")
        #expect(bytes[1] == bytes[0] && bytes[2] == bytes[0])
        // Reuse must not change the result: every step computes the same input gradient.
        #expect(gradients[1] == gradients[0] && gradients[2] == gradients[0])
        #expect(gradients[0].contains { $0 != 0 })
    }

    /// An inference graph hands an activation back when its node goes away: a 12-conv chain holds a few buffers, a
    /// node still referenced keeps its values, and a node outliving its pass does not free the next pass's buffers.
    @Test func inferenceActivationsAreRecycledWhenTheirNodeGoesAway() throws {
        var rng = SeededRNG(seed: 4)
        let store = ParameterStore()
        let weights = (0..<12).map { i -> Parameter in
            let w = store.parameter("w\(i)", [3, 3, 3, 3])
            w.value.fillNormal(std: 0.3, rng: &rng)
            return w
        }
        let input = Tensor(zeros: [2, 3, 8, 8])
        input.fillNormal(std: 1, rng: &rng)
        let graph = Graph(training: false, recordsGradients: false)
        let first = try graph.conv2d(graph.input(input), weight: weights[0], padding: 1)
        let kept = first.value.array
        var y = first
        for w in weights.dropFirst() { y = graph.relu(try graph.conv2d(y, weight: w, padding: 1)) }
        let tensorBytes = 2 * 3 * 8 * 8 * 4
        #expect(graph.arenaBytes <= 4 * tensorBytes, "\(graph.arenaBytes) bytes for 23 activations of \(tensorBytes)")
        #expect(first.value.array == kept, "a live node's activation was overwritten")

        // A fresh graph has one buffer, so the second pass's first activation reuses the first pass's.
        let fresh = Graph(training: false, recordsGradients: false)
        var old: Node? = try fresh.conv2d(fresh.input(input), weight: weights[0], padding: 1)
        let oldStorage = old!.value.data
        fresh.reset()
        let a = try fresh.conv2d(fresh.input(input), weight: weights[1], padding: 1)
        #expect(a.value.data == oldStorage)
        old = nil  // released after the reset: must not free `a`'s buffer
        let b = try fresh.conv2d(fresh.input(input), weight: weights[2], padding: 1)
        #expect(a.value.data != b.value.data, "a stale release handed a live buffer out again")
        _ = old
    }

    @Test func arenaReusesStorageAcrossSteps() throws {
        let store = ParameterStore()
        let w = store.parameter("w", [2, 1, 3, 3])
        let graph = Graph(training: true)
        var firstPointer: UnsafeMutablePointer<Float>?
        for _ in 0..<3 {
            graph.reset()
            let y = try graph.conv2d(graph.input(Tensor(zeros: [2, 1, 6, 6])), weight: w, padding: 1)
            if firstPointer == nil { firstPointer = y.value.data } else { #expect(y.value.data == firstPointer) }
        }
    }
}
