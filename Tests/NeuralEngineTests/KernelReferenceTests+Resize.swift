import Foundation
import TestSupport
import Testing

@testable import NeuralEngine

/// Bilinear resize against hand-worked values and PyTorch's per-pixel formula.
extension KernelReferenceTests {
    @Test func resizeAlignCornersHandValues() throws {
        let graph = Graph(training: false)
        let x = graph.input(Tensor(shape: [1, 1, 1, 2], values: [1, 3]))
        let up = try graph.resize(x, height: 1, width: 3)
        #expect(up.value.array == [1, 2, 3])
        let y = graph.input(Tensor(shape: [1, 1, 1, 5], values: [0, 1, 2, 3, 4]))
        let down = try graph.resize(y, height: 1, width: 3)
        #expect(down.value.array == [0, 2, 4])
        let same = try graph.resize(y, height: 1, width: 5)
        #expect(same === y, "resizing to the same size is the identity, not a copy")
    }

    /// Bilinear resize (align_corners) bit for bit against PyTorch's formula, h0*(w0*a + w1*b) + h1*(w0*c + w1*d), on
    /// output rows of 3 to 28 values (the vertical pass's 4-wide, 8-wide and overlapping last steps).
    @Test func resizeMatchesThePerPixelFormula() throws {
        var rng = TestRNG(seed: 31)
        for (h, w, oh, ow) in [
            (7, 7, 14, 14), (14, 14, 7, 7), (28, 28, 14, 14), (14, 14, 28, 28), (5, 9, 3, 13),
            (4, 3, 11, 8), (6, 20, 9, 5),
        ] {
            let x = Tensor(shape: [2, 3, h, w], values: rng.array(6 * h * w))
            let graph = Graph(training: false, recordsGradients: false)
            let y = try graph.resize(graph.input(x), height: oh, width: ow).value.array
            func taps(_ input: Int, _ output: Int, _ o: Int) -> (Int, Int, Float, Float) {
                let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
                let src = scale * Float(o)
                let i0 = min(Int(src), input - 1)
                let lambda = min(max(src - Float(i0), 0), 1)
                return (i0, i0 + (i0 < input - 1 ? 1 : 0), 1 - lambda, lambda)
            }
            var expected: [Float] = []
            for plane in 0..<6 {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let (r0, r1, h0, h1) = taps(h, oh, oy)
                        let (c0, c1, w0, w1) = taps(w, ow, ox)
                        let p = plane * h * w
                        let top = w0 * x[p + r0 * w + c0] + w1 * x[p + r0 * w + c1]
                        let bottom = w0 * x[p + r1 * w + c0] + w1 * x[p + r1 * w + c1]
                        expected.append(h0 * top + h1 * bottom)
                    }
                }
            }
            #expect(y.elementsEqual(expected), "\(h)x\(w) -> \(oh)x\(ow)")
        }
    }

    /// Resize backward against a per-output scatter of each gradient to its four source pixels, up, down (some
    /// inputs then get nothing) and mixed sizes: written into a fresh gradient (the resize reads an identity 1x1
    /// conv's output) and added to one holding values already (it reads a parameter whose gradient is pre-filled).
    @Test func resizeBackwardMatchesThePerOutputScatter() throws {
        var rng = TestRNG(seed: 32)
        for (trial, (h, w, oh, ow)) in [
            (7, 7, 14, 14), (7, 7, 28, 28), (14, 14, 7, 7), (14, 14, 4, 4), (5, 9, 3, 13),
            (5, 9, 8, 2), (20, 6, 9, 5), (3, 4, 1, 1),
        ].enumerated() {
            let store = ParameterStore()
            let x = store.parameter("x", [2, 3, h, w])
            x.value.copy(from: Tensor(shape: [2, 3, h, w], values: rng.array(6 * h * w)))
            let identity = store.parameter("i", [3, 3, 1, 1])
            for c in 0..<3 { identity.value[c * 4] = 1 }
            let seed = Tensor(shape: [2, 3, oh, ow], values: rng.array(6 * oh * ow))
            let before = rng.array(6 * h * w)
            let throughConv = trial % 2 == 0
            let graph = Graph(training: true)
            for _ in 0..<2 {  // the second pass gets the first's gradient buffers back, holding stale values
                graph.reset()
                x.grad.copy(
                    from: Tensor(
                        shape: [2, 3, h, w], values: throughConv ? [Float](repeating: 0, count: 6 * h * w) : before))
                var source = graph.parameter(x)
                if throughConv { source = try graph.conv2d(source, weight: identity) }
                try graph.backward(try graph.resize(source, height: oh, width: ow), seed: seed)
            }
            var expected = throughConv ? [Double](repeating: 0, count: 6 * h * w) : before.map { Double($0) }
            func taps(_ input: Int, _ output: Int, _ o: Int) -> (Int, Int, Double, Double) {
                let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
                let src = scale * Float(o)
                let i0 = min(Int(src), input - 1)
                let lambda = min(max(src - Float(i0), 0), 1)
                return (i0, i0 + (i0 < input - 1 ? 1 : 0), Double(1 - lambda), Double(lambda))
            }
            for plane in 0..<6 {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let (r0, r1, h0, h1) = taps(h, oh, oy)
                        let (c0, c1, w0, w1) = taps(w, ow, ox)
                        let d = Double(seed[(plane * oh + oy) * ow + ox])
                        let p = plane * h * w
                        expected[p + r0 * w + c0] += h0 * w0 * d
                        expected[p + r0 * w + c1] += h0 * w1 * d
                        expected[p + r1 * w + c0] += h1 * w0 * d
                        expected[p + r1 * w + c1] += h1 * w1 * d
                    }
                }
            }
            #expect(
                scaledMaxError(x.grad.array, expected.map { Float($0) }) < 1e-6,
                "\(h)x\(w) -> \(oh)x\(ow), \(throughConv ? "written" : "added")")
        }
    }
}
