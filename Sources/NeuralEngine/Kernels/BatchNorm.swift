import Foundation

/// Batch normalisation over N, H, W per channel (PyTorch's BatchNorm2d semantics: biased variance to normalise,
/// unbiased variance into the running estimate, eps inside the square root).
public enum BatchNormKernels {
    /// Training forward: writes y, the per-channel mean and 1/sqrt(var+eps) (saved for backward), and updates
    /// the running statistics with `momentum`.
    public static func forwardTraining(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: NCHW,
                                       gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                       runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                                       saveMean: UnsafeMutablePointer<Float>, saveInvStd: UnsafeMutablePointer<Float>,
                                       momentum: Float, eps: Float) {
        let P = s.plane, m = s.n * P
        parallelFor(s.c, work: s.count * 3) { c in
            var sum = 0.0
            for n in 0..<s.n { sum += Double(sumPlane(x + (n * s.c + c) * P, P)) }
            let mean = Float(sum / Double(m))
            var sq = 0.0
            for n in 0..<s.n { sq += Double(sumSquaredDeviation(x + (n * s.c + c) * P, P, mean)) }
            let variance = Float(sq / Double(m))
            let invStd = 1 / (variance + eps).squareRoot()
            saveMean[c] = mean
            saveInvStd[c] = invStd
            let unbiased = m > 1 ? Float(sq / Double(m - 1)) : variance
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
            runningVar[c] = (1 - momentum) * runningVar[c] + momentum * unbiased
            let scale = gamma[c] * invStd, shift = beta[c] - mean * scale
            for n in 0..<s.n {
                let src = x + (n * s.c + c) * P, dst = y + (n * s.c + c) * P
                for p in 0..<P { dst[p] = src[p] * scale + shift }
            }
        }
    }

    /// Evaluation forward with the running statistics.
    public static func forwardInference(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: NCHW,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                        runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, eps: Float) {
        let P = s.plane
        parallelFor(s.c, work: s.count) { c in
            let scale = gamma[c] / (runningVar[c] + eps).squareRoot(), shift = beta[c] - runningMean[c] * scale
            for n in 0..<s.n {
                let src = x + (n * s.c + c) * P, dst = y + (n * s.c + c) * P
                for p in 0..<P { dst[p] = src[p] * scale + shift }
            }
        }
    }

    /// Training backward: dgamma/dbeta accumulate; dx is written (beta 0) or added (beta 1).
    public static func backwardTraining(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape s: NCHW,
                                        gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                        invStd: UnsafePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
                                        dBeta: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                        dxBeta: Float) {
        let P = s.plane, m = Float(s.n * P)
        parallelFor(s.c, work: s.count * 3) { c in
            let mu = mean[c], inv = invStd[c]
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for n in 0..<s.n {
                let xs = x + (n * s.c + c) * P, ds = dy + (n * s.c + c) * P
                var a: Float = 0, b: Float = 0
                for p in 0..<P { a += ds[p]; b += ds[p] * (xs[p] - mu) }
                sumDy += a
                sumDyXhat += b * inv
            }
            dGamma[c] += sumDyXhat
            dBeta[c] += sumDy
            guard let dx else { return }
            let k = gamma[c] * inv / m, meanDy = sumDy, meanDyXhat = sumDyXhat
            for n in 0..<s.n {
                let xs = x + (n * s.c + c) * P, ds = dy + (n * s.c + c) * P, dd = dx + (n * s.c + c) * P
                for p in 0..<P {
                    let xhat = (xs[p] - mu) * inv
                    let g = k * (m * ds[p] - meanDy - xhat * meanDyXhat)
                    dd[p] = dxBeta == 0 ? g : dd[p] + g
                }
            }
        }
    }

    /// Backward through evaluation-mode normalisation (running statistics are constants).
    public static func backwardInference(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape s: NCHW,
                                         gamma: UnsafePointer<Float>, runningMean: UnsafePointer<Float>,
                                         runningVar: UnsafePointer<Float>, eps: Float,
                                         dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                         dx: UnsafeMutablePointer<Float>?, dxBeta: Float) {
        let P = s.plane
        parallelFor(s.c, work: s.count * 2) { c in
            let inv = 1 / (runningVar[c] + eps).squareRoot(), mu = runningMean[c]
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for n in 0..<s.n {
                let xs = x + (n * s.c + c) * P, ds = dy + (n * s.c + c) * P, dd = dx.map { $0 + (n * s.c + c) * P }
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

    @inline(__always) static func sumPlane(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(), i = 0
        while i + 8 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    @inline(__always) static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, _ mean: Float) -> Float {
        var acc = SIMD8<Float>(), i = 0
        let m = SIMD8<Float>(repeating: mean)
        while i + 8 <= n {
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - m
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < n { let d = p[i] - mean; s += d * d; i += 1 }
        return s
    }
}
