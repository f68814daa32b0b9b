import Foundation

/// Batch normalisation over N, H, W per channel (PyTorch's BatchNorm2d semantics: biased variance to normalise,
/// unbiased variance into the running estimate, eps inside the square root).
public enum BatchNormKernels {
    /// Training forward: writes y, the per-channel mean and 1/sqrt(var+eps) (saved for backward), and updates
    /// the running statistics with `momentum`. `yImageStride`: floats between y's images when y is a view into a
    /// wider channel buffer (x is dense).
    public static func forwardTraining(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, yImageStride: Int? = nil,
        shape s: NCHW,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
        saveMean: UnsafeMutablePointer<Float>, saveInvStd: UnsafeMutablePointer<Float>,
        momentum: Float, eps: Float, relu: Bool = false
    ) {
        let P = s.plane
        let m = s.n * P
        let yStride = yImageStride ?? s.c * P
        parallelFor(s.c, work: s.count * 2) { c in
            var sum = 0.0
            var squares = 0.0
            for n in 0..<s.n {
                let (a, b) = sumAndSquaresDouble(x + (n * s.c + c) * P, P)
                sum += a
                squares += b
            }
            let mean = Float(sum / Double(m))
            let sq = squaredDeviations(sum: sum, squares: squares, count: m, mean: mean)
            let invStd = Float(1 / (sq / Double(m) + Double(eps)).squareRoot())
            saveMean[c] = mean
            saveInvStd[c] = invStd
            let variance = Float(sq / Double(m))
            let unbiased = m > 1 ? Float(sq / Double(m - 1)) : variance
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
            runningVar[c] = (1 - momentum) * runningVar[c] + momentum * unbiased
            let scale = gamma[c] * invStd
            let shift = beta[c] - mean * scale
            for n in 0..<s.n { affine(x + (n * s.c + c) * P, y + n * yStride + c * P, P, scale, shift, relu: relu) }
        }
    }

    /// y = x*scale + shift with one rounding (as the reference's fused multiply-add): the product of two floats is
    /// exact in double, so only the final conversion rounds.
    /// With `relu`, max(0, y) in the same pass (the fused BN+ReLU of conv blocks).
    @inline(__always) static func affine(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
        _ scale: Float, _ shift: Float, relu: Bool
    ) {
        let a = SIMD8<Double>(repeating: Double(scale))
        let b = SIMD8<Double>(repeating: Double(shift))
        let floor = SIMD8<Float>(repeating: relu ? 0 : -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = SIMD8<Double>(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self))
            let r = SIMD8<Float>(v * a + b)
            UnsafeMutableRawPointer(dst + i).storeBytes(
                of: r.replacing(with: floor, where: r .< floor), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            let r = Float(Double(src[i]) * Double(scale) + Double(shift))
            dst[i] = relu ? max(r, 0) : r
            i += 1
        }
    }

    /// Statistics in one pass over x: the sum and the sum of squares in double (each square of a float is exact
    /// there). Against PyTorch's two passes (squared float deviations from the float mean, summed in double) the
    /// variance differs by float rounding of the deviations, ~1e-7 relative, so 1/sqrt(var+eps) can differ in its
    /// last bit: a normalised value then moves by an ulp, which flips a ReLU only for values within float noise of 0
    /// (the parity check's kink probe covers those). It saves one of the three sweeps over x and, when replicas
    /// share the statistics, one of their two exchanges of sums.
    @inline(__always) static func sumAndSquaresDouble(_ p: UnsafePointer<Float>, _ n: Int) -> (Double, Double) {
        var acc = SIMD8<Double>()
        var sq = SIMD8<Double>()
        var i = 0
        while i + 8 <= n {
            let v = SIMD8<Double>(UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self))
            acc += v
            sq += v * v
            i += 8
        }
        var s = acc.sum()
        var q = sq.sum()
        while i < n {
            let v = Double(p[i])
            s += v
            q += v * v
            i += 1
        }
        return (s, q)
    }

    /// Sum over the values of (x - mean)^2 from their sum and sum of squares, about the float mean normalisation uses.
    @inline(__always) static func squaredDeviations(sum: Double, squares: Double, count: Int, mean: Float) -> Double {
        let mu = Double(mean)
        return max(squares - 2 * mu * sum + Double(count) * mu * mu, 0)
    }

    /// (sum dy, sum dy*(x - mu)) over one plane, in 16 lanes: a scalar float reduction is one long dependency chain
    /// the compiler may not reorder.
    @inline(__always) static func sumAndCentredDot(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int,
        _ mu: Float
    ) -> (Float, Float) {
        var sa = SIMD16<Float>()
        var sb = SIMD16<Float>()
        var i = 0
        let m = SIMD16<Float>(repeating: mu)
        while i + 16 <= n {
            let d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            sa += d
            sb += d * (v - m)
            i += 16
        }
        var a = sa.sum()
        var b = sb.sum()
        while i < n {
            a += dy[i]
            b += dy[i] * (x[i] - mu)
            i += 1
        }
        return (a, b)
    }

    /// Evaluation forward with the running statistics.
    public static func forwardInference(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, yImageStride: Int? = nil,
        shape s: NCHW,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, eps: Float,
        relu: Bool = false
    ) {
        let P = s.plane
        let yStride = yImageStride ?? s.c * P
        parallelFor(s.c, work: s.count) { c in
            let (scale, shift) = inferenceAffine(
                gamma[c], beta[c], mean: runningMean[c], variance: runningVar[c], eps: eps)
            for n in 0..<s.n {
                let src = x + (n * s.c + c) * P
                let dst = y + n * yStride + c * P
                if relu {
                    for p in 0..<P { dst[p] = max(src[p] * scale + shift, 0) }
                } else {
                    for p in 0..<P { dst[p] = src[p] * scale + shift }
                }
            }
        }
    }

    /// Evaluation-mode normalisation as y = x*scale + shift; `bias`, a preceding conv's, is folded into the shift
    /// (the fused conv+BN+ReLU of inference graphs uses the same coefficients).
    @inline(__always) static func inferenceAffine(
        _ gamma: Float, _ beta: Float, mean: Float, variance: Float, eps: Float,
        bias: Float = 0
    ) -> (scale: Float, shift: Float) {
        let scale = gamma / (variance + eps).squareRoot()
        return (scale, beta + (bias - mean) * scale)
    }

    /// Training backward: dgamma/dbeta accumulate; dx is written (beta 0) or added (beta 1).
    public static func backwardTraining(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape s: NCHW,
        gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        invStd: UnsafePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
        dBeta: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
        dxBeta: Float
    ) {
        let P = s.plane
        let m = Float(s.n * P)
        parallelFor(s.c, work: s.count * 3) { c in
            let mu = mean[c]
            let inv = invStd[c]
            var sumDy: Float = 0
            var sumDyXhat: Float = 0
            for n in 0..<s.n {
                let (a, b) = sumAndCentredDot(dy + (n * s.c + c) * P, x + (n * s.c + c) * P, P, mu)
                sumDy += a
                sumDyXhat += b * inv
            }
            dGamma[c] += sumDyXhat
            dBeta[c] += sumDy
            if let dx {
                inputGradient(
                    c, x: x, dy: dy, shape: s, gamma: gamma[c], mean: mu, invStd: inv, count: m,
                    sumDy: sumDy, sumDyXhat: sumDyXhat, dx: dx, dxBeta: dxBeta)
            }
        }
    }

    /// dx of channel `c` given the channel's sums of dy and dy*xhat over all `count` values of the batch.
    @inline(__always) static func inputGradient(
        _ c: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape s: NCHW,
        gamma: Float, mean mu: Float, invStd inv: Float, count m: Float,
        sumDy: Float, sumDyXhat: Float, dx: UnsafeMutablePointer<Float>,
        dxBeta: Float
    ) {
        let P = s.plane
        let k = gamma * inv / m
        // dx = k*m*dy - k*sumDy - k*sumDyXhat*inv*(x - mu): one multiply-add chain per element.
        let a = k * m
        let b = k * sumDyXhat * inv
        let shift = -k * sumDy + b * mu
        for n in 0..<s.n {
            let xs = x + (n * s.c + c) * P
            let ds = dy + (n * s.c + c) * P
            let dd = dx + (n * s.c + c) * P
            if dxBeta == 0 {
                for p in 0..<P { dd[p] = a * ds[p] - b * xs[p] + shift }
            } else {
                for p in 0..<P { dd[p] += a * ds[p] - b * xs[p] + shift }
            }
        }
    }

    /// Backward through evaluation-mode normalisation (running statistics are constants).
    public static func backwardInference(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape s: NCHW,
        gamma: UnsafePointer<Float>, runningMean: UnsafePointer<Float>,
        runningVar: UnsafePointer<Float>, eps: Float,
        dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, dxBeta: Float
    ) {
        let P = s.plane
        parallelFor(s.c, work: s.count * 2) { c in
            let inv = 1 / (runningVar[c] + eps).squareRoot()
            let mu = runningMean[c]
            var sumDy: Float = 0
            var sumDyXhat: Float = 0
            for n in 0..<s.n {
                let xs = x + (n * s.c + c) * P
                let ds = dy + (n * s.c + c) * P
                let dd = dx.map { $0 + (n * s.c + c) * P }
                for p in 0..<P {
                    sumDy += ds[p]
                    sumDyXhat += ds[p] * (xs[p] - mu) * inv
                    if let dd { dd[p] = (dxBeta == 0 ? 0 : dd[p]) + ds[p] * gamma[c] * inv }
                }
            }
            dGamma[c] += sumDyXhat
            dBeta[c] += sumDy
        }
    }
}
