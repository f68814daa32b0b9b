// The column matrix of the column-GEMM conv (`ConvAlgorithm.columnGEMM`): im2col builds it from NCHW input,
// col2im folds d(columns) back into dx, and the channel-major gather and scatter do the same for 1x1 convs (whose
// columns are the input planes themselves) and for the GEMM's output.

/// The output columns `ox` of kernel column `j` that read inside the input row: [lo, hi).
@inline(__always)
func validColumns(_ g: ConvGeometry, _ j: Int) -> (Int, Int) {
    let s = g.stride
    let pad = g.padding
    // ix = ox*s - pad + j must lie in [0, W): ox >= ceil((pad - j)/s), ox <= floor((W - 1 + pad - j)/s).
    let loNum = pad - j
    let lo = loNum <= 0 ? 0 : (loNum + s - 1) / s
    let hiNum = g.input.w - 1 + pad - j
    let hi = hiNum < 0 ? 0 : min(g.outW, hiNum / s + 1)
    return (min(lo, g.outW), max(hi, min(lo, g.outW)))
}

/// im2col for `count` images starting at `first`: cols[(c*kh+i)*kw+j][img*P + p] = x[first+img][c][oy*s-pad+i][ox*s-pad+j].
/// Plain loops over valid ranges (no per-row calls): rows of 7 to 28 values are too short for memcpy to pay off.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int, cols: UnsafeMutablePointer<Float>) {
    if g.outW <= smallPlaneWidth { return im2colSmallPlanes(x, g, first: first, count: count, cols: cols) }
    let (C, H, W) = (g.input.c, g.input.h, g.input.w)
    let (kh, kw, s, pad, oh, ow) = (g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW)
    let P = oh * ow
    let ld = count * P
    parallelFor(C * count, work: g.patch * P * count) { job in
        let c = job / count
        let img = job % count
        let src = x + (first + img) * g.inputImageStride + c * H * W
        for i in 0..<kh {
            for j in 0..<kw {
                let dst = cols + ((c * kh + i) * kw + j) * ld + img * P
                let (lo, hi) = validColumns(g, j)
                for oy in 0..<oh {
                    let iy = oy * s - pad + i
                    let row = dst + oy * ow
                    if iy < 0 || iy >= H {
                        for ox in 0..<ow { row[ox] = 0 }
                        continue
                    }
                    let srow = src + iy * W - pad + j
                    for ox in 0..<lo { row[ox] = 0 }
                    if s == 1 {
                        for ox in lo..<hi { row[ox] = srow[ox] }
                    } else {
                        for ox in lo..<hi { row[ox] = srow[ox * s] }
                    }
                    for ox in hi..<ow { row[ox] = 0 }
                }
            }
        }
    }
}

/// col2im: adds every column entry back to the input position it was read from (dx must be initialised).
func col2imAdd(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int, dx: UnsafeMutablePointer<Float>)
{
    if g.outW <= smallPlaneWidth { return col2imAddSmallPlanes(cols, g, first: first, count: count, dx: dx) }
    let (C, H, W) = (g.input.c, g.input.h, g.input.w)
    let (kh, kw, s, pad, oh, ow) = (g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW)
    let P = oh * ow
    let ld = count * P
    // Each job owns one (channel, image) plane of dx, so threads never write the same element.
    parallelFor(C * count, work: g.patch * P * count) { job in
        let c = job / count
        let img = job % count
        let dst = dx + ((first + img) * C + c) * H * W
        for i in 0..<kh {
            for j in 0..<kw {
                let src = cols + ((c * kh + i) * kw + j) * ld + img * P
                let (lo, hi) = validColumns(g, j)
                for oy in 0..<oh {
                    let iy = oy * s - pad + i
                    if iy < 0 || iy >= H { continue }
                    let drow = dst + iy * W - pad + j
                    let srow = src + oy * ow
                    if s == 1 {
                        for ox in lo..<hi { drow[ox] += srow[ox] }
                    } else {
                        for ox in lo..<hi { drow[ox * s] += srow[ox] }
                    }
                }
            }
        }
    }
}

/// Output rows up to this width go through a gather table: with rows of 2 to 8 values the per-row bookkeeping of
/// the loops above cost more than the copies.
let smallPlaneWidth = 8

/// Calls `body` with, for each kernel tap and output position, the input offset it reads inside a plane, or -1 in
/// the padding. The table lives on the stack when small: at batch 1 a heap allocation per conv would show.
func withTapTable<R>(_ g: ConvGeometry, _ body: (UnsafePointer<Int32>) -> R) -> R {
    let (kh, kw, s, pad, oh, ow) = (g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW)
    let P = oh * ow
    return withUnsafeTemporaryAllocation(of: Int32.self, capacity: kh * kw * P) { table in
        for i in 0..<kh {
            for j in 0..<kw {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let iy = oy * s - pad + i
                        let ix = ox * s - pad + j
                        let inside = iy >= 0 && iy < g.input.h && ix >= 0 && ix < g.input.w
                        table[(i * kw + j) * P + oy * ow + ox] = inside ? Int32(iy * g.input.w + ix) : -1
                    }
                }
            }
        }
        return body(UnsafePointer(table.baseAddress!))
    }
}

/// im2col through the tap table; one job per input channel, covering every image of the chunk.
func im2colSmallPlanes(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int,
    cols: UnsafeMutablePointer<Float>
) {
    if g.stride == 1 && g.outH == g.input.h && g.outW == g.input.w {
        return im2colSmallSamePlanes(x, g, first: first, count: count, cols: cols)
    }
    let (C, plane, taps, P) = (g.input.c, g.input.h * g.input.w, g.kernelH * g.kernelW, g.outPlane)
    let ld = count * P
    let entries = taps * P
    withTapTable(g) { table in
        // One flat loop over every (tap, position) of an image: with 4 to 16 positions per tap, a loop per tap was
        // mostly loop overhead. `rowOffset[e]` is where entry e lands relative to the image's first column.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: entries) { rowOffset in
            for e in 0..<entries { rowOffset[e] = e / P * ld + e % P }
            let targets = UnsafePointer(rowOffset.baseAddress!)
            parallelFor(C, work: g.patch * P * count) { c in
                let rows = cols + c * taps * ld
                for img in 0..<count {
                    let src = x + (first + img) * g.inputImageStride + c * plane
                    let dst = rows + img * P
                    for e in 0..<entries {
                        let k = Int(table[e])
                        dst[targets[e]] = k >= 0 ? src[k] : 0
                    }
                }
            }
        }
    }
}

/// im2col of a "same" stride-1 conv on small planes: each tap's row is the input plane shifted by a constant offset,
/// with the positions the shift moves across a border zeroed. The plane is copied once into a buffer with a margin,
/// so the shifted rows are 8-wide vector loads masked by a per-tap table instead of a per-element table gather.
func im2colSmallSamePlanes(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int,
    cols: UnsafeMutablePointer<Float>
) {
    typealias V = SIMD8<Float>
    let (C, H, W, kh, kw, pad) = (g.input.c, g.input.h, g.input.w, g.kernelH, g.kernelW, g.padding)
    let P = H * W
    let taps = kh * kw
    let ld = count * P
    let whole = P / 8 * 8
    // The largest shift is (kh-1-pad) rows and (kw-1-pad) columns either way, plus a vector's reach.
    let margin = max(pad, kh - 1 - pad) * W + max(pad, kw - 1 - pad) + 8
    withUnsafeTemporaryAllocation(of: Float.self, capacity: taps * P + taps) { masks in
        let valid = masks.baseAddress!
        let shifts = valid + taps * P
        for i in 0..<kh {
            for j in 0..<kw {
                let tap = i * kw + j
                shifts[tap] = Float((i - pad) * W + (j - pad))
                for oy in 0..<H {
                    for ox in 0..<W {
                        let iy = oy + i - pad
                        let ix = ox + j - pad
                        valid[tap * P + oy * W + ox] = iy >= 0 && iy < H && ix >= 0 && ix < W ? 1 : 0
                    }
                }
            }
        }
        let validTable = UnsafePointer(valid)
        let shiftTable = UnsafePointer(shifts)
        parallelFor(C, work: g.patch * P * count) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: P + 2 * margin) { buffer in
                let base = buffer.baseAddress!
                let plane = base + margin
                base.update(repeating: 0, count: P + 2 * margin)
                for img in 0..<count {
                    plane.update(from: x + (first + img) * g.inputImageStride + c * P, count: P)
                    for tap in 0..<taps {
                        let from = plane + Int(shiftTable[tap])
                        let mask = validTable + tap * P
                        let to = cols + (c * taps + tap) * ld + img * P
                        var p = 0
                        while p < whole {
                            let v = UnsafeRawPointer(from + p).loadUnaligned(as: V.self)
                            let m = UnsafeRawPointer(mask + p).loadUnaligned(as: V.self)
                            UnsafeMutableRawPointer(to + p).storeBytes(
                                of: v.replacing(with: 0, where: m .== 0), as: V.self)
                            p += 8
                        }
                        while p < P {
                            to[p] = mask[p] == 0 ? 0 : from[p]
                            p += 1
                        }
                    }
                }
            }
        }
    }
}

/// col2im through the tap table; one job per input channel, so threads never add into the same element.
func col2imAddSmallPlanes(
    _ cols: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int,
    dx: UnsafeMutablePointer<Float>
) {
    let (C, plane, taps, P) = (g.input.c, g.input.h * g.input.w, g.kernelH * g.kernelW, g.outPlane)
    let ld = count * P
    withTapTable(g) { table in
        parallelFor(C, work: g.patch * P * count) { c in
            for tap in 0..<taps {
                let row = cols + (c * taps + tap) * ld
                let offsets = table + tap * P
                for img in 0..<count {
                    let dst = dx + ((first + img) * C + c) * plane
                    let src = row + img * P
                    for p in 0..<P {
                        let k = Int(offsets[p])
                        if k >= 0 { dst[k] += src[p] }
                    }
                }
            }
        }
    }
}

/// Copies planes laid out [img][ch][P] (NCHW) into [ch][img*P] (channel-major), or back.
/// `imageStride`: floats between source images (channels * P when dense).
func gatherChannelMajor(
    _ src: UnsafePointer<Float>, channels: Int, plane P: Int, first: Int, count: Int,
    imageStride: Int? = nil, into dst: UnsafeMutablePointer<Float>
) {
    let stride = imageStride ?? channels * P
    parallelFor(channels, work: channels * P * count) { c in
        for img in 0..<count {
            let d = dst + c * count * P + img * P
            let s = src + (first + img) * stride + c * P
            for t in 0..<P { d[t] = s[t] }
        }
    }
}

/// The inverse of `gatherChannelMajor` (`imageStride`: floats between destination images); with `epilogue`, the
/// values are transformed on the way.
func scatterChannelMajor(
    _ src: UnsafePointer<Float>, channels: Int, plane P: Int, first: Int, count: Int,
    into dst: UnsafeMutablePointer<Float>, imageStride: Int? = nil, accumulate: Bool,
    epilogue: ChannelAffine? = nil
) {
    let stride = imageStride ?? channels * P
    parallelFor(channels, work: channels * P * count) { c in
        for img in 0..<count {
            let d = dst + (first + img) * stride + c * P
            let s = src + c * count * P + img * P
            if let epilogue {
                epilogue.apply(s, into: d, count: P, channel: c)
                continue
            }
            if accumulate { for t in 0..<P { d[t] += s[t] } } else { for t in 0..<P { d[t] = s[t] } }
        }
    }
}
