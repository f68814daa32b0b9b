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
        // 1x1 with more than 8 outputs on 16x16 and 7x7 planes takes the per-image GEMM path (4x4 is gathered);
        // 64 channels x 3x3 x 32x32 splits the batch into chunks.
        try compareConv(n: 2, c: 5, h: 16, w: 16, m: 9, k: 1, stride: 1, pad: 0, bias: false, rng: &rng, trial: 100)
        try compareConv(n: 3, c: 6, h: 7, w: 7, m: 12, k: 1, stride: 1, pad: 0, bias: true, rng: &rng, trial: 102)
        try compareConv(n: 3, c: 6, h: 4, w: 4, m: 10, k: 1, stride: 1, pad: 0, bias: true, rng: &rng, trial: 103)
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
}
