/// Geometry of a 2-D convolution over an NCHW input with an OIHW weight.
public struct ConvGeometry: Equatable, Sendable {
    public let input: NCHW
    public let outChannels, kernelH, kernelW, stride, padding: Int
    public let outH, outW: Int

    public init(input: NCHW, outChannels: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int) {
        self.input = input
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.stride = stride
        self.padding = padding
        outH = (input.h + 2 * padding - kernelH) / stride + 1
        outW = (input.w + 2 * padding - kernelW) / stride + 1
    }

    public var output: NCHW { NCHW(input.n, outChannels, outH, outW) }
    /// Rows of the im2col matrix: one per (input channel, kernel tap).
    public var patch: Int { input.c * kernelH * kernelW }
    public var outPlane: Int { outH * outW }
    /// A 1x1, stride-1, unpadded convolution is a plain matrix product over the input planes.
    public var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }
    /// Multiply-adds of the forward pass.
    public var macs: Int { input.n * outChannels * patch * outPlane }
}

/// im2col for `count` images starting at `first`: cols[(c*kh+i)*kw+j][img*P + p] = x[first+img][c][oy*s-pad+i][ox*s-pad+j].
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int, cols: UnsafeMutablePointer<Float>) {
    let (C, H, W) = (g.input.c, g.input.h, g.input.w)
    let (kh, kw, s, pad, oh, ow) = (g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW)
    let P = oh * ow, ld = count * P
    parallelFor(C * count, work: g.patch * P * count) { job in
        let c = job / count, img = job % count
        let src = x + ((first + img) * C + c) * H * W
        for i in 0..<kh {
            for j in 0..<kw {
                let dst = cols + ((c * kh + i) * kw + j) * ld + img * P
                for oy in 0..<oh {
                    let iy = oy * s - pad + i
                    let row = dst + oy * ow
                    if iy < 0 || iy >= H { row.update(repeating: 0, count: ow); continue }
                    let srow = src + iy * W
                    if s == 1 {
                        // Contiguous run: copy the valid middle, zero the padded edges.
                        let lo = max(0, pad - j), hi = min(ow, W + pad - j)
                        if lo > 0 { row.update(repeating: 0, count: min(lo, ow)) }
                        if hi > lo { (row + lo).update(from: srow + (lo - pad + j), count: hi - lo) }
                        if hi < ow { (row + max(hi, 0)).update(repeating: 0, count: ow - max(hi, 0)) }
                    } else {
                        for ox in 0..<ow {
                            let ix = ox * s - pad + j
                            row[ox] = (ix >= 0 && ix < W) ? srow[ix] : 0
                        }
                    }
                }
            }
        }
    }
}

/// col2im: adds every column entry back to the input position it was read from (dx must be initialised).
func col2imAdd(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int, dx: UnsafeMutablePointer<Float>) {
    let (C, H, W) = (g.input.c, g.input.h, g.input.w)
    let (kh, kw, s, pad, oh, ow) = (g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW)
    let P = oh * ow, ld = count * P
    // Each job owns one (channel, image) plane of dx, so threads never write the same element.
    parallelFor(C * count, work: g.patch * P * count) { job in
        let c = job / count, img = job % count
        let dst = dx + ((first + img) * C + c) * H * W
        for i in 0..<kh {
            for j in 0..<kw {
                let src = cols + ((c * kh + i) * kw + j) * ld + img * P
                for oy in 0..<oh {
                    let iy = oy * s - pad + i
                    if iy < 0 || iy >= H { continue }
                    let drow = dst + iy * W, srow = src + oy * ow
                    if s == 1 {
                        let lo = max(0, pad - j), hi = min(ow, W + pad - j)
                        if hi > lo {
                            let d = drow + (lo - pad + j)
                            for t in 0..<(hi - lo) { d[t] += srow[lo + t] }
                        }
                    } else {
                        for ox in 0..<ow {
                            let ix = ox * s - pad + j
                            if ix >= 0 && ix < W { drow[ix] += srow[ox] }
                        }
                    }
                }
            }
        }
    }
}

/// Copies planes laid out [img][ch][P] (NCHW) into [ch][img*P] (channel-major), or back.
func gatherChannelMajor(_ src: UnsafePointer<Float>, channels: Int, plane P: Int, first: Int, count: Int,
                        into dst: UnsafeMutablePointer<Float>) {
    parallelFor(channels, work: channels * P * count) { c in
        for img in 0..<count {
            (dst + c * count * P + img * P).update(from: src + ((first + img) * channels + c) * P, count: P)
        }
    }
}

func scatterChannelMajor(_ src: UnsafePointer<Float>, channels: Int, plane P: Int, first: Int, count: Int,
                         into dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
    parallelFor(channels, work: channels * P * count) { c in
        for img in 0..<count {
            let d = dst + ((first + img) * channels + c) * P, s = src + c * count * P + img * P
            if accumulate { for t in 0..<P { d[t] += s[t] } } else { d.update(from: s, count: P) }
        }
    }
}
