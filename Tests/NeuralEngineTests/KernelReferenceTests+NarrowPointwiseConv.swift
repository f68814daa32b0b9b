import Foundation
import TestSupport
import Testing

@testable import NeuralEngine

/// The 1x1 kernel for few output channels against direct loops.
extension KernelReferenceTests {
    /// Shapes chosen to reach every part of `NarrowPointwiseConv`: output blocks of 1 to 5 (8 -> 4 + 4, 7 -> 4 + 3),
    /// more input channels than one pass sums (20, 17), planes of whole pairs of vectors (4x4, 8x8), planes ending in
    /// a single vector or a scalar tail (5x5, 7x7, 14x14, 6x9), planes longer than a tile (32x32; 23x23 with a tail),
    /// odd input channel counts (dW's last channel has no pair), with and without bias. Through the graph, and the
    /// kernel itself with both settings of `pairsChunks`.
    @Test func narrowPointwiseConvMatchesNaive() throws {
        var rng = TestRNG(seed: 41)
        let shapes = [
            (2, 20, 32, 32, 5), (3, 6, 7, 7, 4), (2, 17, 14, 14, 8), (4, 9, 4, 4, 1), (1, 3, 23, 23, 7),
            (2, 12, 5, 5, 6), (1, 1, 8, 8, 2), (2, 11, 6, 9, 3),
        ]
        for (trial, (n, c, h, w, m)) in shapes.enumerated() {
            let g = ConvGeometry(input: NCHW(n, c, h, w), outChannels: m, kernelH: 1, kernelW: 1, stride: 1, padding: 0)
            for pass in [ConvPass.forward(keepingColumns: false), .backward(withSavedColumns: false)] {
                #expect(ConvAlgorithm.choose(for: g, pass) == .narrowPointwise, "\(g.input) -> \(m) \(pass)")
            }
            try compareConv(
                n: n, c: c, h: h, w: w, m: m, k: 1, stride: 1, pad: 0, bias: trial % 2 == 0, rng: &rng,
                trial: 600 + trial, throughIdentity: trial == 1)
            for pairs in [true, false] { compareNarrowPointwiseConv(g, pairsChunks: pairs, rng: &rng) }
        }
    }

    /// `NarrowPointwiseConv` itself: forward reading a view into a wider buffer and writing into a wider one (added,
    /// or through the folded batch norm's affine + ReLU); backward adding dW into a gradient holding values and dx
    /// written and added. The same forward through sgemm must agree too.
    func compareNarrowPointwiseConv(_ g: ConvGeometry, pairsChunks pairs: Bool, rng: inout TestRNG) {
        let (n, c, m, P) = (g.input.n, g.input.c, g.outChannels, g.outPlane)
        let label = "\(g.input) -> \(m), pairs \(pairs)"
        let x = rng.array(g.input.count)
        let wt = rng.array(m * c)
        let expected = NaiveConv.forward(x: x, weight: wt, bias: nil, geometry: g)
        // The input: channels 1 ..< 1+c of c+3; the output: channels 2 ..< 2+m of m+2.
        var wide = rng.array(n * (c + 3) * P)
        for img in 0..<n {
            for i in 0..<(c * P) { wide[(img * (c + 3) + 1) * P + i] = x[img * c * P + i] }
        }
        var view = ConvGeometry(
            input: g.input, outChannels: m, kernelH: 1, kernelW: 1, stride: 1, padding: 0,
            inputImageStride: (c + 3) * P)
        view.outputImageStride = (m + 2) * P
        let before = rng.array(n * (m + 2) * P)
        let scale = rng.array(m, scale: 0.5).map { $0 + 1 }
        let shift = rng.array(m, scale: 0.3)
        for fold in [false, true] {
            for algorithm in [ConvAlgorithm.narrowPointwise, .perImageGEMM] where pairs || algorithm == .narrowPointwise
            {
                var y = before
                wide.withUnsafeBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { yb in
                        scale.withUnsafeBufferPointer { sb in
                            shift.withUnsafeBufferPointer { hb in
                                let affine =
                                    fold
                                    ? ChannelAffine(scale: sb.baseAddress!, shift: hb.baseAddress!, relu: true) : nil
                                if algorithm == .narrowPointwise {
                                    NarrowPointwiseConv.forward(
                                        x: xb.baseAddress! + P, weight: wt, y: yb.baseAddress! + 2 * P, geometry: view,
                                        accumulate: !fold, epilogue: affine, pairsChunks: pairs)
                                } else {
                                    ConvKernels.forward(
                                        x: xb.baseAddress! + P, weight: wt, bias: nil, y: yb.baseAddress! + 2 * P,
                                        geometry: view, scratch: Scratch(), keepColumns: nil, accumulate: !fold,
                                        epilogue: affine, algorithm: algorithm)
                                }
                            }
                        }
                    }
                }
                var want = before
                for img in 0..<n {
                    for k in 0..<m {
                        for p in 0..<P {
                            let v = expected[(img * m + k) * P + p]
                            let at = (img * (m + 2) + 2 + k) * P + p
                            want[at] = fold ? max(v * scale[k] + shift[k], 0) : want[at] + v
                        }
                    }
                }
                #expect(scaledMaxError(y, want) < 1e-5, "\(label) forward \(algorithm), fold \(fold)")
            }
        }
        let dy = rng.array(g.output.count)
        let (edx, edw, _) = NaiveConv.backward(x: x, weight: wt, dy: dy, geometry: g)
        let dwBefore = rng.array(wt.count, scale: 0.1)
        let dxBefore = rng.array(x.count, scale: 0.1)
        for dxBeta: Float in [0, 1] {
            var dw = dwBefore
            var dx = dxBefore
            wide.withUnsafeBufferPointer { xb in
                NarrowPointwiseConv.backward(
                    x: xb.baseAddress! + P, weight: wt, dy: dy, dWeight: &dw, dx: &dx, dxBeta: dxBeta, geometry: view,
                    pairsChunks: pairs)
            }
            #expect(scaledMaxError(zip(dw, dwBefore).map { $0 - $1 }, edw) < 1e-5, "\(label) dw")
            let gotDx = dxBeta == 0 ? dx : zip(dx, dxBefore).map { $0 - $1 }
            #expect(scaledMaxError(gotDx, edx) < 1e-5, "\(label) dx, beta \(dxBeta)")
        }
    }
}
