import Foundation
import TestSupport
import Testing

@testable import NeuralEngine

/// The fast kernels against direct loops and hand-worked values.
@Suite struct KernelReferenceTests {
    @Test func convolutionMatchesNaiveOnRandomShapes() throws {
        var rng = TestRNG(seed: 11)
        for trial in 0..<24 {
            let k = [1, 1, 3, 3, 5, 7][rng.int(6)]
            let stride = 1 + rng.int(2)
            let pad = k == 1 ? rng.int(2) : k / 2
            let n = 1 + rng.int(3)
            let c = 1 + rng.int(5)
            let m = 1 + rng.int(6)
            let h = max(k, 3 + rng.int(18))
            let w = max(k, 3 + rng.int(18))
            let bias = rng.int(2) == 0
            try compareConv(
                n: n, c: c, h: h, w: w, m: m, k: k, stride: stride, pad: pad, bias: bias, rng: &rng, trial: trial)
        }
    }

    @Test func convolutionLargePlanesAndChunkedBatches() throws {
        var rng = TestRNG(seed: 12)
        // 1x1 on 16x16 and 7x7 planes takes the per-image GEMM path (4x4 is gathered); 64 channels x 3x3 x 32x32
        // splits the batch into chunks.
        try compareConv(n: 2, c: 5, h: 16, w: 16, m: 3, k: 1, stride: 1, pad: 0, bias: false, rng: &rng, trial: 100)
        try compareConv(n: 3, c: 6, h: 7, w: 7, m: 4, k: 1, stride: 1, pad: 0, bias: true, rng: &rng, trial: 102)
        try compareConv(n: 3, c: 6, h: 4, w: 4, m: 4, k: 1, stride: 1, pad: 0, bias: true, rng: &rng, trial: 103)
        try compareConv(n: 8, c: 64, h: 32, w: 32, m: 2, k: 3, stride: 1, pad: 1, bias: false, rng: &rng, trial: 101)
    }

    /// Stride-1 convs that narrow the channels get dx from a transposed conv: padding 0, 1 and 2 (transposed padding
    /// 2, 1, 0), kernels 3 and 5, and an input feeding two convs, so the second dx adds into the first.
    @Test func narrowingConvDxByTransposedConvAddsIntoSharedInput() throws {
        var rng = TestRNG(seed: 13)
        for (trial, (k, pad)) in [(3, 0), (3, 1), (3, 2), (5, 2)].enumerated() {
            try compareConv(
                n: 3, c: 7, h: 9, w: 6, m: 3, k: k, stride: 1, pad: pad, bias: false, rng: &rng, trial: 200 + trial)
        }
        try expectSharedInputDxAdds(n: 2, c: 6, h: 7, w: 7, m: 2, rng: &rng)
    }

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

    /// Convs on planes up to 8 wide: "same" stride-1 ones build their columns by masked shifts of the plane, the
    /// others through the tap table. Kernels 1 to 5, strides 1 to 3, planes whose size is and is not a multiple of the
    /// 8-wide vector, rectangular ones, paddings below "same".
    @Test func smallPlaneColumnsMatchNaive() throws {
        var rng = TestRNG(seed: 15)
        let shapes = [
            (7, 7, 3, 1, 1), (4, 4, 3, 1, 1), (2, 2, 3, 1, 1), (8, 8, 3, 1, 1), (5, 7, 5, 1, 2), (6, 3, 3, 1, 1),
            (3, 3, 1, 1, 0), (7, 7, 3, 2, 1), (4, 4, 3, 2, 1), (8, 8, 3, 2, 1), (14, 14, 3, 2, 1),
            (9, 6, 5, 2, 2), (8, 8, 3, 2, 0), (7, 5, 1, 2, 0), (6, 6, 3, 3, 1),
        ]
        for (trial, (h, w, k, stride, pad)) in shapes.enumerated() {
            try compareConv(
                n: 3, c: 4, h: h, w: w, m: 5, k: k, stride: stride, pad: pad, bias: false, rng: &rng,
                trial: 400 + trial)
        }
    }

    /// Both convs read x; one backward through their concatenation adds the second dx into the first.
    func expectSharedInputDxAdds(n: Int, c: Int, h: Int, w: Int, m: Int, rng: inout TestRNG) throws {
        let x = rng.array(n * c * h * w)
        let w1 = rng.array(m * c * 9)
        let w2 = rng.array(m * c * 9)
        let g = ConvGeometry(input: NCHW(n, c, h, w), outChannels: m, kernelH: 3, kernelW: 3, stride: 1, padding: 1)
        let dy = rng.array(n * 2 * m * h * w)
        // Split the concatenated gradient [n][2m][h][w] into the two convs' halves.
        let plane = m * h * w
        var dy1: [Float] = []
        var dy2: [Float] = []
        for img in 0..<n {
            let start = 2 * img * plane
            dy1 += dy[start..<(start + plane)]
            dy2 += dy[(start + plane)..<(start + 2 * plane)]
        }
        let expected = zip(
            NaiveConv.backward(x: x, weight: w1, dy: dy1, geometry: g).0,
            NaiveConv.backward(x: x, weight: w2, dy: dy2, geometry: g).0
        ).map { $0 + $1 }
        let store = ParameterStore()
        let xp = store.parameter("x", [n, c, h, w])
        let p1 = store.parameter("w1", [m, c, 3, 3])
        let p2 = store.parameter("w2", [m, c, 3, 3])
        xp.value.copy(from: Tensor(shape: [n, c, h, w], values: x))
        p1.value.copy(from: Tensor(shape: [m, c, 3, 3], values: w1))
        p2.value.copy(from: Tensor(shape: [m, c, 3, 3], values: w2))
        let graph = Graph(training: true)
        let xNode = graph.parameter(xp)
        let y = try graph.concat([
            try graph.conv2d(xNode, weight: p1, padding: 1), try graph.conv2d(xNode, weight: p2, padding: 1),
        ])
        try graph.backward(y, seed: Tensor(shape: y.shape, values: dy))
        #expect(scaledMaxError(xp.grad.array, expected) < 1e-5)
    }

    func compareConv(
        n: Int, c: Int, h: Int, w: Int, m: Int, k: Int, stride: Int, pad: Int, bias: Bool,
        rng: inout TestRNG, trial: Int, throughIdentity: Bool = false
    ) throws {
        let g = ConvGeometry(
            input: NCHW(n, c, h, w), outChannels: m, kernelH: k, kernelW: k, stride: stride, padding: pad)
        let x = rng.array(n * c * h * w)
        let wt = rng.array(m * c * k * k)
        let b = rng.array(m)
        let dy = rng.array(g.output.count)
        let expected = NaiveConv.forward(x: x, weight: wt, bias: bias ? b : nil, geometry: g)
        let (edx, edw, edb) = NaiveConv.backward(x: x, weight: wt, dy: dy, geometry: g)

        let store = ParameterStore()
        let wp = store.parameter("w", [m, c, k, k])
        let bp = store.parameter("b", [m])
        wp.value.copy(from: Tensor(shape: [m, c, k, k], values: wt))
        bp.value.copy(from: Tensor(shape: [m], values: b))
        let xp = store.parameter("x", [n, c, h, w])
        xp.value.copy(from: Tensor(shape: [n, c, h, w], values: x))
        // Gradients holding values already: backward must add into them.
        let dxBefore = rng.array(xp.grad.count, scale: 0.1)
        let dwBefore = rng.array(wp.grad.count, scale: 0.1)
        xp.grad.copy(from: Tensor(shape: xp.shape, values: dxBefore))
        wp.grad.copy(from: Tensor(shape: wp.shape, values: dwBefore))
        let graph = Graph(training: true)
        let y = try graph.conv2d(graph.parameter(xp), weight: wp, bias: bias ? bp : nil, stride: stride, padding: pad)
        try graph.backward(y, seed: Tensor(shape: y.shape, values: dy))
        let label = "trial \(trial): \(g.input) k\(k) s\(stride) p\(pad) -> \(m)"
        #expect(scaledMaxError(y.value.array, expected) < 1e-5, "\(label) forward")
        #expect(scaledMaxError(zip(xp.grad.array, dxBefore).map { $0 - $1 }, edx) < 1e-5, "\(label) dx")
        #expect(scaledMaxError(zip(wp.grad.array, dwBefore).map { $0 - $1 }, edw) < 1e-5, "\(label) dw")
        if bias { #expect(scaledMaxError(bp.grad.array, edb) < 1e-5, "\(label) db") }
        // The input's gradient written fresh (beta 0) into a reused buffer: x reaches the conv through an exact
        // identity 1x1 conv, and the second pass gets the first's gradient buffers back.
        guard throughIdentity else { return }
        let identity = store.parameter("identity", [c, c, 1, 1])
        for i in 0..<c { identity.value[i * c + i] = 1 }
        for _ in 0..<2 {
            graph.reset()
            xp.grad.fill(0)
            let mid = try graph.conv2d(graph.parameter(xp), weight: identity)
            let out = try graph.conv2d(mid, weight: wp, stride: stride, padding: pad)
            try graph.backward(out, seed: Tensor(shape: out.shape, values: dy))
        }
        #expect(scaledMaxError(xp.grad.array, edx) < 1e-5, "\(label) dx written")
    }

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
