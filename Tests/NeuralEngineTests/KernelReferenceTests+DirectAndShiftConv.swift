import Foundation
import TestSupport
import Testing

@testable import NeuralEngine

/// The direct and the shifted-GEMM conv kernels against direct loops.
extension KernelReferenceTests {
    /// Few channels on planes at least 12 wide take the direct kernel (`DirectConv`): widths that are and are not
    /// whole vectors, output channel counts that leave 1 to 3 in the last block of four, with and without bias.
    /// Through the graph with the build's setting of `pairsChunks`, and the kernel itself with both settings.
    @Test func directConvMatchesNaive() throws {
        var rng = TestRNG(seed: 14)
        let shapes = [
            (1, 1, 12, 12, 1), (2, 5, 32, 32, 5), (2, 18, 14, 14, 9), (1, 3, 9, 13, 2), (3, 24, 16, 20, 12),
            (1, 7, 28, 28, 7), (2, 4, 5, 17, 3), (2, 16, 14, 14, 16), (1, 1, 12, 13, 13),
        ]
        for (trial, (n, c, h, w, m)) in shapes.enumerated() {
            let g = ConvGeometry(
                input: NCHW(n, c, h, w), outChannels: m, kernelH: 3, kernelW: 3, stride: 1, padding: 1)
            #expect(ConvAlgorithm.isDirect(g), "\(g.input) -> \(m) should take the direct kernel")
            try compareConv(
                n: n, c: c, h: h, w: w, m: m, k: 3, stride: 1, pad: 1, bias: trial % 2 == 0, rng: &rng,
                trial: 300 + trial)
            for pairs in [true, false] {  // rows of 2 to 4 chunks, odd counts included
                compareDirectConv(g, pairsChunks: pairs, backward: true, rng: &rng)
            }
        }
        try expectSharedInputDxAdds(n: 2, c: 5, h: 14, w: 13, m: 3, rng: &rng)
        // Planes 6 to 8 wide: forward only (backward takes the GEMM path), two output rows at a time; odd heights
        // leave one row alone.
        for (n, c, h, w, m) in [
            (2, 24, 7, 7, 12), (3, 12, 7, 7, 3), (2, 6, 6, 6, 6), (1, 5, 8, 7, 7), (2, 4, 5, 8, 9), (3, 24, 7, 7, 12),
            (2, 6, 7, 7, 6),
        ] {
            let g = ConvGeometry(
                input: NCHW(n, c, h, w), outChannels: m, kernelH: 3, kernelW: 3, stride: 1, padding: 1)
            #expect(ConvAlgorithm.isDirectForwardOnly(g))
            let x = rng.array(n * c * h * w)
            let wt = rng.array(m * c * 9)
            var y = [Float](repeating: 0, count: g.output.count)
            ConvKernels.forward(x: x, weight: wt, bias: nil, y: &y, geometry: g, scratch: Scratch())
            let expected = NaiveConv.forward(x: x, weight: wt, bias: nil, geometry: g)
            #expect(scaledMaxError(y, expected) < 1e-5, "\(g.input) -> \(m)")
            for pairs in [true, false] { compareDirectConv(g, pairsChunks: pairs, backward: false, rng: &rng) }
        }
        // One image with more channels (batch-1 inference): forward only, blocks of up to five of 24 outputs.
        for (c, h, w, m) in [(96, 8, 8, 24), (48, 8, 8, 12), (60, 16, 16, 19), (25, 7, 7, 17)] {
            let g = ConvGeometry(
                input: NCHW(1, c, h, w), outChannels: m, kernelH: 3, kernelW: 3, stride: 1, padding: 1)
            #expect(ConvAlgorithm.isSingleImageDirect(g) && !ConvAlgorithm.isDirect(g))
            #expect(ConvAlgorithm.choose(for: g, .forward(keepingColumns: false)) == .direct)
            for pairs in [true, false] { compareDirectConv(g, pairsChunks: pairs, backward: false, rng: &rng) }
        }
        try compareConv(
            n: 3, c: 24, h: 7, w: 7, m: 12, k: 3, stride: 1, pad: 1, bias: false, rng: &rng, trial: 320,
            throughIdentity: true)
        try compareConv(n: 2, c: 6, h: 7, w: 7, m: 6, k: 3, stride: 1, pad: 1, bias: true, rng: &rng, trial: 321)
    }

    /// `DirectConv` itself with `pairsChunks` set either way against the direct loops: forward written and added
    /// into y, and (`backward`) dW added into a gradient holding values, dx written and added.
    func compareDirectConv(_ g: ConvGeometry, pairsChunks pairs: Bool, backward: Bool, rng: inout TestRNG) {
        let x = rng.array(g.input.count)
        let wt = rng.array(g.outChannels * g.input.c * 9)
        let dy = rng.array(g.output.count)
        let before = rng.array(g.output.count)
        let expected = NaiveConv.forward(x: x, weight: wt, bias: nil, geometry: g)
        let label = "\(g.input) -> \(g.outChannels), pairs \(pairs)"
        for accumulate in [false, true] {
            var y = before
            DirectConv.forward(
                x: x, weight: wt, y: &y, geometry: g, scratch: Scratch(), accumulate: accumulate, pairsChunks: pairs)
            let want = accumulate ? zip(before, expected).map { $0 + $1 } : expected
            #expect(scaledMaxError(y, want) < 1e-5, "\(label) forward, accumulate \(accumulate)")
        }
        guard backward else { return }
        let (edx, edw, _) = NaiveConv.backward(x: x, weight: wt, dy: dy, geometry: g)
        let dwBefore = rng.array(wt.count, scale: 0.1)
        let dxBefore = rng.array(x.count, scale: 0.1)
        for dxBeta: Float in [0, 1] {
            var dw = dwBefore
            var dx = dxBefore
            DirectConv.backward(
                x: x, weight: wt, dy: dy, dWeight: &dw, dx: &dx, dxBeta: dxBeta, geometry: g, scratch: Scratch(),
                pairsChunks: pairs)
            #expect(scaledMaxError(zip(dw, dwBefore).map { $0 - $1 }, edw) < 1e-5, "\(label) dw")
            let gotDx = dxBeta == 0 ? dx : zip(dx, dxBefore).map { $0 - $1 }
            #expect(scaledMaxError(gotDx, edx) < 1e-5, "\(label) dx, beta \(dxBeta)")
        }
    }

    /// `ShiftConv` (forward without columns): narrowing stride-1 convs, one batch in two chunks, and strided convs on
    /// odd and rectangular planes; reading a view into a wider buffer and adding into one, or writing through the
    /// folded batch norm's affine + ReLU. Each against the direct loops, and the same call through im2col.
    @Test func shiftConvMatchesNaive() throws {
        var rng = TestRNG(seed: 33)
        let shapes = [
            (6, 48, 7, 7, 12, 1), (40, 48, 7, 7, 16, 1), (16, 32, 7, 7, 20, 2), (13, 40, 7, 9, 24, 2),
            (29, 33, 5, 5, 8, 2), (13, 64, 9, 7, 70, 2), (6, 50, 8, 6, 16, 1),
        ]
        for (trial, (n, c, h, w, m, stride)) in shapes.enumerated() {
            let extra = 3
            let offset = 2  // the input: channels offset ..< offset+c of c+extra; the output: 1 ..< 1+m of m+2
            var g = ConvGeometry(
                input: NCHW(n, c, h, w), outChannels: m, kernelH: 3, kernelW: 3, stride: stride,
                padding: 1, inputImageStride: (c + extra) * h * w)
            g.outputImageStride = (m + 2) * g.outPlane
            let x = rng.array(n * c * h * w)
            let wt = rng.array(m * c * 9, scale: 0.3)
            let wide = rng.array(n * (c + extra) * h * w)
            let before = rng.array(n * (m + 2) * g.outPlane)
            var input = wide
            for img in 0..<n {
                for i in 0..<(c * h * w) {
                    input[img * (c + extra) * h * w + offset * h * w + i] = x[img * c * h * w + i]
                }
            }
            let dense = ConvGeometry(
                input: NCHW(n, c, h, w), outChannels: m, kernelH: 3, kernelW: 3, stride: stride, padding: 1)
            let expected = NaiveConv.forward(x: x, weight: wt, bias: nil, geometry: dense)
            let scale = rng.array(m, scale: 0.5).map { $0 + 1 }
            let shift = rng.array(m, scale: 0.3)
            #expect(
                ConvAlgorithm.choose(for: g, .forward(keepingColumns: false)) == .shiftedGEMM,
                "trial \(trial) should take ShiftConv")
            for shifts in [true, false] {
                for fold in [false, true] {
                    var y = before
                    input.withUnsafeBufferPointer { xb in
                        wt.withUnsafeBufferPointer { wb in
                            y.withUnsafeMutableBufferPointer { yb in
                                scale.withUnsafeBufferPointer { sb in
                                    shift.withUnsafeBufferPointer { hb in
                                        let affine =
                                            fold
                                            ? ChannelAffine(scale: sb.baseAddress!, shift: hb.baseAddress!, relu: true)
                                            : nil
                                        ConvKernels.forward(
                                            x: xb.baseAddress! + offset * h * w, weight: wb.baseAddress!, bias: nil,
                                            y: yb.baseAddress! + g.outPlane, geometry: g, scratch: Scratch(),
                                            keepColumns: nil, accumulate: !fold, epilogue: affine,
                                            algorithm: shifts ? .shiftedGEMM : .columnGEMM)
                                    }
                                }
                            }
                        }
                    }
                    var want = before
                    for img in 0..<n {
                        for k in 0..<m {
                            for p in 0..<g.outPlane {
                                let v = expected[(img * m + k) * g.outPlane + p]
                                let at = (img * (m + 2) + 1 + k) * g.outPlane + p
                                want[at] = fold ? max(v * scale[k] + shift[k], 0) : want[at] + v
                            }
                        }
                    }
                    #expect(scaledMaxError(y, want) < 1e-5, "trial \(trial) shifts \(shifts) fold \(fold)")
                }
            }
        }
        // In training such convs keep no columns: backward builds them for dW.
        try compareConv(
            n: 16, c: 32, h: 7, w: 7, m: 20, k: 3, stride: 2, pad: 1, bias: true, rng: &rng, trial: 500,
            throughIdentity: true)
        try compareConv(
            n: 6, c: 48, h: 7, w: 7, m: 12, k: 3, stride: 1, pad: 1, bias: false, rng: &rng, trial: 501,
            throughIdentity: true)
    }
}
