import NeuralEngine

/// Direct-loop convolution used as the reference the fast kernels are tested against.
public enum NaiveConv {
    public static func forward(x: [Float], weight: [Float], bias: [Float]?, geometry g: ConvGeometry) -> [Float] {
        let (N, C, H, W) = (g.input.n, g.input.c, g.input.h, g.input.w)
        var y = [Float](repeating: 0, count: g.output.count)
        for n in 0..<N {
            for m in 0..<g.outChannels {
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        var s: Float = bias?[m] ?? 0
                        for c in 0..<C {
                            for i in 0..<g.kernelH {
                                for j in 0..<g.kernelW {
                                    let iy = oy * g.stride - g.padding + i
                                    let ix = ox * g.stride - g.padding + j
                                    if iy >= 0 && iy < H && ix >= 0 && ix < W {
                                        s +=
                                            x[((n * C + c) * H + iy) * W + ix]
                                            * weight[((m * C + c) * g.kernelH + i) * g.kernelW + j]
                                    }
                                }
                            }
                        }
                        y[((n * g.outChannels + m) * g.outH + oy) * g.outW + ox] = s
                    }
                }
            }
        }
        return y
    }

    /// Returns (dx, dWeight, dBias).
    public static func backward(
        x: [Float], weight: [Float], dy: [Float], geometry g: ConvGeometry
    )
        -> ([Float], [Float], [Float])
    {
        let (N, C, H, W) = (g.input.n, g.input.c, g.input.h, g.input.w)
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: weight.count)
        var db = [Float](repeating: 0, count: g.outChannels)
        for n in 0..<N {
            for m in 0..<g.outChannels {
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        let d = dy[((n * g.outChannels + m) * g.outH + oy) * g.outW + ox]
                        db[m] += d
                        for c in 0..<C {
                            for i in 0..<g.kernelH {
                                for j in 0..<g.kernelW {
                                    let iy = oy * g.stride - g.padding + i
                                    let ix = ox * g.stride - g.padding + j
                                    if iy >= 0 && iy < H && ix >= 0 && ix < W {
                                        let xi = ((n * C + c) * H + iy) * W + ix
                                        let wi = ((m * C + c) * g.kernelH + i) * g.kernelW + j
                                        dx[xi] += d * weight[wi]
                                        dw[wi] += d * x[xi]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}
