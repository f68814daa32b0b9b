/// ReLU, pooling and channel concatenation kernels (NCHW).
public enum ElementwiseKernels {
    /// y += x over `count` floats.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: a + b, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    public static func reluForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor((count + 65_535) / 65_536, work: count) { chunk in
            let lo = chunk * 65_536
            let hi = min(count, lo + 65_536)
            for i in lo..<hi { y[i] = max(x[i], 0) }
        }
    }

    /// dx (=|+=) dy where y > 0. Branch-free SIMD: the mask is random, so a branch per element mispredicts.
    public static func reluBackward(
        y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        count: Int, dxBeta: Float
    ) {
        let zero = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= count {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            var r = zero.replacing(with: g, where: yv .> zero)
            if dxBeta != 0 { r += UnsafeRawPointer(dx + i).loadUnaligned(as: SIMD16<Float>.self) }
            UnsafeMutableRawPointer(dx + i).storeBytes(of: r, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            let g = y[i] > 0 ? dy[i] : 0
            dx[i] = dxBeta == 0 ? g : dx[i] + g
            i += 1
        }
    }

    /// Average pooling with a square window, no padding (PyTorch AvgPool2d(k, stride)).
    public static func avgPoolForward(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, input s: NCHW,
        kernel k: Int, stride: Int, outH: Int, outW: Int
    ) {
        let count = s.n * s.c * outH * outW
        y.update(repeating: 0, count: count)
        forEachAvgPoolTap(input: s, kernel: k, stride: stride, outH: outH, outW: outW) { y[$0] += x[$1] }
        let inv = 1 / Float(k * k)
        for i in 0..<count { y[i] *= inv }
    }

    public static func avgPoolBackward(
        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, input s: NCHW,
        kernel k: Int, stride: Int, outH: Int, outW: Int
    ) {
        let inv = 1 / Float(k * k)
        forEachAvgPoolTap(input: s, kernel: k, stride: stride, outH: outH, outW: outW) { dx[$1] += dy[$0] * inv }
    }

    /// Calls `body(output, input)` for every output element and every input element of its window, the window row
    /// by row (forward sums in this order, as PyTorch does).
    @inline(__always)
    static func forEachAvgPoolTap(
        input s: NCHW, kernel k: Int, stride: Int, outH: Int, outW: Int, _ body: (_ output: Int, _ input: Int) -> Void
    ) {
        for nc in 0..<(s.n * s.c) {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let output = (nc * outH + oy) * outW + ox
                    let corner = nc * s.plane + oy * stride * s.w + ox * stride
                    for i in 0..<k { for j in 0..<k { body(output, corner + i * s.w + j) } }
                }
            }
        }
    }

    /// Max pooling with padding (padded positions never win); `argmax` receives the winning input index per output.
    public static func maxPoolForward(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
        input s: NCHW, kernel k: Int, stride: Int, padding: Int, outH: Int, outW: Int
    ) {
        parallelFor(s.n * s.c, work: s.count * k) { nc in
            let src = x + nc * s.plane
            let dst = y + nc * outH * outW
            let arg = argmax + nc * outH * outW
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var best = -Float.infinity
                    var bestIndex: Int32 = -1
                    for i in 0..<k {
                        let iy = oy * stride - padding + i
                        if iy < 0 || iy >= s.h { continue }
                        for j in 0..<k {
                            let ix = ox * stride - padding + j
                            if ix < 0 || ix >= s.w { continue }
                            let v = src[iy * s.w + ix]
                            if v > best || bestIndex < 0 || v.isNaN {
                                best = v
                                bestIndex = Int32(iy * s.w + ix)
                            }
                        }
                    }
                    dst[oy * outW + ox] = best
                    arg[oy * outW + ox] = bestIndex
                }
            }
        }
    }

    public static func maxPoolBackward(
        dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>,
        input s: NCHW, outPlane: Int
    ) {
        for nc in 0..<(s.n * s.c) {
            let dst = dx + nc * s.plane
            let src = dy + nc * outPlane
            let arg = argmax + nc * outPlane
            for p in 0..<outPlane where arg[p] >= 0 { dst[Int(arg[p])] += src[p] }
        }
    }

    /// Copies `x` (n, cx, plane) into channels [offset, offset+cx) of `y` (n, cy, plane).
    public static func copyChannels(
        from x: UnsafePointer<Float>, channels cx: Int, imageStride: Int? = nil,
        into y: UnsafeMutablePointer<Float>, channels cy: Int, offset: Int, batch n: Int,
        plane: Int
    ) {
        let stride = imageStride ?? cx * plane
        for img in 0..<n {
            (y + (img * cy + offset) * plane).update(from: x + img * stride, count: cx * plane)
        }
    }

    /// dx (=|+=) channels [offset, offset+cx) of dy.
    public static func sliceChannelsBackward(
        dy: UnsafePointer<Float>, channels cy: Int, offset: Int,
        into dx: UnsafeMutablePointer<Float>, channels cx: Int, batch n: Int,
        plane: Int, dxBeta: Float
    ) {
        for img in 0..<n {
            let s = dy + (img * cy + offset) * plane
            let d = dx + img * cx * plane
            if dxBeta == 0 { d.update(from: s, count: cx * plane) } else { add(s, into: d, count: cx * plane) }
        }
    }
}
