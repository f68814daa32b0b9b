/// Bilinear resizing with align_corners=True, as torch.nn.functional.interpolate computes it on the CPU:
/// src = dst * (in-1)/(out-1) in Float32, i0 = floor(src), i1 = min(i0+1, in-1), lambda = src - i0.
public enum ResizeKernels {
    struct Taps { var i0: [Int]; var i1: [Int]; var l0: [Float]; var l1: [Float] }

    static func taps(input: Int, output: Int) -> Taps {
        let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
        var t = Taps(i0: [], i1: [], l0: [], l1: [])
        for o in 0..<output {
            let src = scale * Float(o)
            let i0 = min(Int(src), input - 1)
            let lambda = min(max(src - Float(i0), 0), 1)
            t.i0.append(i0)
            t.i1.append(i0 + (i0 < input - 1 ? 1 : 0))
            t.l1.append(lambda)
            t.l0.append(1 - lambda)
        }
        return t
    }

    public static func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, input s: NCHW, outH: Int, outW: Int) {
        let ty = taps(input: s.h, output: outH), tx = taps(input: s.w, output: outW)
        parallelFor(s.n * s.c, work: s.n * s.c * outH * outW * 4) { nc in
            let src = x + nc * s.plane, dst = y + nc * outH * outW
            for oy in 0..<outH {
                let r0 = src + ty.i0[oy] * s.w, r1 = src + ty.i1[oy] * s.w, h0 = ty.l0[oy], h1 = ty.l1[oy]
                for ox in 0..<outW {
                    let a = tx.i0[ox], b = tx.i1[ox], w0 = tx.l0[ox], w1 = tx.l1[ox]
                    dst[oy * outW + ox] = h0 * (w0 * r0[a] + w1 * r0[b]) + h1 * (w0 * r1[a] + w1 * r1[b])
                }
            }
        }
    }

    /// Adds the gradient of each output back to its four source pixels (dx must be initialised).
    public static func backwardAdd(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, input s: NCHW, outH: Int, outW: Int) {
        let ty = taps(input: s.h, output: outH), tx = taps(input: s.w, output: outW)
        parallelFor(s.n * s.c, work: s.n * s.c * outH * outW * 4) { nc in
            let src = dy + nc * outH * outW, dst = dx + nc * s.plane
            for oy in 0..<outH {
                let r0 = dst + ty.i0[oy] * s.w, r1 = dst + ty.i1[oy] * s.w, h0 = ty.l0[oy], h1 = ty.l1[oy]
                for ox in 0..<outW {
                    let g = src[oy * outW + ox], a = tx.i0[ox], b = tx.i1[ox], w0 = tx.l0[ox], w1 = tx.l1[ox]
                    r0[a] += h0 * w0 * g
                    r0[b] += h0 * w1 * g
                    r1[a] += h1 * w0 * g
                    r1[b] += h1 * w1 * g
                }
            }
        }
    }
}
