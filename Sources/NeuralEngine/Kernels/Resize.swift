/// Bilinear resizing with align_corners=True, as torch.nn.functional.interpolate computes it on the CPU:
/// src = dst * (in-1)/(out-1) in Float32, i0 = floor(src), i1 = min(i0+1, in-1), lambda = src - i0.
///
/// Both directions work separably, one plane at a time: forward blends each input row horizontally once (the
/// parenthesised terms of PyTorch's h0*(w0*a + w1*b) + h1*(w0*c + w1*d), so the result is bit for bit the same), then
/// blends pairs of those rows vertically, eight outputs at a time; backward runs the transposed steps. This beats
/// reading four taps per output pixel in backward; forward gains little, as these planes are small and the sweeps
/// memory-bound.
public enum ResizeKernels {
    /// Source indices and weights along one axis.
    final class Taps {
        let i0: UnsafeMutablePointer<Int>, i1: UnsafeMutablePointer<Int>
        let l0: UnsafeMutablePointer<Float>, l1: UnsafeMutablePointer<Float>
        let count: Int

        init(input: Int, output: Int) {
            count = output
            i0 = .allocate(capacity: output)
            i1 = .allocate(capacity: output)
            l0 = .allocate(capacity: output)
            l1 = .allocate(capacity: output)
            let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
            for o in 0..<output {
                let src = scale * Float(o)
                let a = min(Int(src), input - 1)
                let lambda = min(max(src - Float(a), 0), 1)
                i0[o] = a
                i1[o] = a + (a < input - 1 ? 1 : 0)
                l1[o] = lambda
                l0[o] = 1 - lambda
            }
        }

        deinit {
            i0.deallocate()
            i1.deallocate()
            l0.deallocate()
            l1.deallocate()
        }
    }

    /// `imageStride` / `outputImageStride`: floats between the input's / output's images when it is a view into a
    /// wider channel buffer.
    public static func forward(
        x: UnsafePointer<Float>, imageStride: Int? = nil, y: UnsafeMutablePointer<Float>,
        outputImageStride: Int? = nil, input s: NCHW, outH: Int, outW: Int
    ) {
        let stride = imageStride ?? s.c * s.plane
        let outStride = outputImageStride ?? s.c * outH * outW
        let ty = Taps(input: s.h, output: outH)
        let tx = Taps(input: s.w, output: outW)
        let rows = UncheckedSendable(ty)
        let cols = UncheckedSendable(tx)
        parallelFor(s.n * s.c, work: s.n * s.c * outH * outW * 4) { nc in
            let ty = rows.value
            let tx = cols.value
            withUnsafeTemporaryAllocation(of: Float.self, capacity: s.h * outW) { buffer in
                let blended = buffer.baseAddress!
                let src = x + nc / s.c * stride + nc % s.c * s.plane
                let dst = y + nc / s.c * outStride + nc % s.c * outH * outW
                for iy in 0..<s.h {
                    let row = src + iy * s.w
                    let out = blended + iy * outW
                    var ox = 0
                    // Eight outputs at a time: the taps are gathered lane by lane, the weights and the blend are vectors.
                    while ox + 8 <= outW {
                        var va = SIMD8<Float>()
                        var vb = SIMD8<Float>()
                        for k in 0..<8 {
                            va[k] = row[tx.i0[ox + k]]
                            vb[k] = row[tx.i1[ox + k]]
                        }
                        let w0 = UnsafeRawPointer(tx.l0 + ox).loadUnaligned(as: SIMD8<Float>.self)
                        let w1 = UnsafeRawPointer(tx.l1 + ox).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(out + ox).storeBytes(of: w0 * va + w1 * vb, as: SIMD8<Float>.self)
                        ox += 8
                    }
                    while ox < outW {
                        out[ox] = tx.l0[ox] * row[tx.i0[ox]] + tx.l1[ox] * row[tx.i1[ox]]
                        ox += 1
                    }
                }
                for oy in 0..<outH {
                    blendRows(
                        blended + ty.i0[oy] * outW, ty.l0[oy], blended + ty.i1[oy] * outW, ty.l1[oy],
                        into: dst + oy * outW, count: outW)
                }
            }
        }
    }

    /// out = w0 * a + w1 * b, elementwise. Rows of 7 to 28 values are common: a row of at least 8 ends with an
    /// 8-wide step that overlaps the previous one (it rewrites the same values), shorter ones take a 4-wide step.
    @inline(__always) static func blendRows(
        _ a: UnsafePointer<Float>, _ w0: Float, _ b: UnsafePointer<Float>, _ w1: Float,
        into out: UnsafeMutablePointer<Float>, count: Int
    ) {
        @inline(__always) func step<V: SIMD>(_ i: Int, _: V.Type) where V.Scalar == Float {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: V.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: w0 * va + w1 * vb, as: V.self)
        }
        var i = 0
        if count >= 8 {
            while i + 8 <= count {
                step(i, SIMD8<Float>.self)
                i += 8
            }
            if i < count { step(count - 8, SIMD8<Float>.self) }
            return
        }
        if count >= 4 {
            step(0, SIMD4<Float>.self)
            i = 4
        }
        while i < count {
            out[i] = w0 * a[i] + w1 * b[i]
            i += 1
        }
    }

    /// Sends the gradient of each output back to its four source pixels: first down the columns into one row per
    /// input row, then along each row. dx is written (`accumulate` false: each row is zeroed just before its adds,
    /// not in a sweep over the whole tensor first) or added to. (Summing each input's terms in a register through
    /// the transposed taps instead was slower.)
    public static func backward(
        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, accumulate: Bool, input s: NCHW,
        outH: Int, outW: Int
    ) {
        let ty = Taps(input: s.h, output: outH)
        let tx = Taps(input: s.w, output: outW)
        let rows = UncheckedSendable(ty)
        let cols = UncheckedSendable(tx)
        parallelFor(s.n * s.c, work: s.n * s.c * outH * outW * 4) { nc in
            let ty = rows.value
            let tx = cols.value
            withUnsafeTemporaryAllocation(of: Float.self, capacity: s.h * outW) { buffer in
                let gathered = buffer.baseAddress!
                let src = dy + nc * outH * outW
                let dst = dx + nc * s.plane
                gathered.update(repeating: 0, count: s.h * outW)
                for oy in 0..<outH {
                    let g = src + oy * outW
                    addScaled(g, ty.l0[oy], into: gathered + ty.i0[oy] * outW, count: outW)
                    addScaled(g, ty.l1[oy], into: gathered + ty.i1[oy] * outW, count: outW)
                }
                for iy in 0..<s.h {
                    let t = gathered + iy * outW
                    let row = dst + iy * s.w
                    if !accumulate { row.update(repeating: 0, count: s.w) }
                    for ox in 0..<outW {
                        row[tx.i0[ox]] += tx.l0[ox] * t[ox]
                        row[tx.i1[ox]] += tx.l1[ox] * t[ox]
                    }
                }
            }
        }
    }

    /// out += w * g, elementwise.
    @inline(__always) static func addScaled(
        _ g: UnsafePointer<Float>, _ w: Float, into out: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        var i = 0
        while i + 8 <= count {
            let vg = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            let vo = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: vo + w * vg, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            out[i] += w * g[i]
            i += 1
        }
    }
}
