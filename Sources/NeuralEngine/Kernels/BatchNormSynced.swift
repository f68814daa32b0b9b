/// Batch normalisation of one replica's part of a batch with the statistics of the whole batch (see `ReplicaGroup`):
/// the same arithmetic as `forwardTraining`/`backwardTraining`, with each per-channel sum added across the replicas
/// before it is used.
extension BatchNormKernels {
    enum SyncedStatistics {
        case aborted, tooFewValues
        case done(count: Int)
    }

    /// Training forward. Rank 0 alone updates the running statistics (once per batch, as one graph would).
    static func forwardTrainingSynced(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, yImageStride: Int,
        shape s: NCHW,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
        saveMean: UnsafeMutablePointer<Float>, saveInvStd: UnsafeMutablePointer<Float>,
        momentum: Float, eps: Float, relu: Bool, replica: Replica
    ) -> SyncedStatistics {
        let P = s.plane
        let C = s.c
        var m = 0
        // Sums and sums of squares per channel, and the value count in the last slot (the parts may differ in size).
        let summed = replica.allReduce(
            2 * C + 1,
            { sums in
                for c in 0..<C {
                    var sum = 0.0
                    var squares = 0.0
                    for n in 0..<s.n {
                        let (a, b) = sumAndSquaresDouble(x + (n * C + c) * P, P)
                        sum += a
                        squares += b
                    }
                    sums[c] = sum
                    sums[C + c] = squares
                }
                sums[2 * C] = Double(s.n * P)
            },
            { sums in
                m = Int(sums[2 * C])
                guard m > 1 else { return }
                for c in 0..<C {
                    let mean = Float(sums[c] / sums[2 * C])
                    let sq = squaredDeviations(sum: sums[c], squares: sums[C + c], count: m, mean: mean)
                    saveMean[c] = mean
                    saveInvStd[c] = Float(1 / (sq / Double(m) + Double(eps)).squareRoot())
                    if replica.rank == 0 {
                        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
                        runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(sq / Double(m - 1))
                    }
                }
            })
        guard summed else { return .aborted }
        guard m > 1 else { return .tooFewValues }
        for c in 0..<C {
            let scale = gamma[c] * saveInvStd[c]
            let shift = beta[c] - saveMean[c] * scale
            for n in 0..<s.n { affine(x + (n * C + c) * P, y + n * yImageStride + c * P, P, scale, shift, relu: relu) }
        }
        return .done(count: m)
    }

    /// Training backward over the whole batch's `count` values per channel: dgamma/dbeta accumulate on rank 0 only
    /// (they are sums over the whole batch already); dx of this part is written (beta 0) or added (beta 1).
    /// False if the group was aborted (the step is then abandoned).
    static func backwardTrainingSynced(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, shape s: NCHW,
        gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        invStd: UnsafePointer<Float>, count: Int, dGamma: UnsafeMutablePointer<Float>,
        dBeta: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
        dxBeta: Float, replica: Replica
    ) -> Bool {
        let P = s.plane
        let C = s.c
        return replica.allReduce(
            2 * C,
            { sums in
                for c in 0..<C {
                    var sumDy: Float = 0
                    var sumDyXhat: Float = 0
                    for n in 0..<s.n {
                        let (a, b) = sumAndCentredDot(dy + (n * C + c) * P, x + (n * C + c) * P, P, mean[c])
                        sumDy += a
                        sumDyXhat += b * invStd[c]
                    }
                    sums[c] = Double(sumDy)
                    sums[C + c] = Double(sumDyXhat)
                }
            },
            { sums in
                for c in 0..<C {
                    let sumDy = Float(sums[c])
                    let sumDyXhat = Float(sums[C + c])
                    if replica.rank == 0 {
                        dGamma[c] += sumDyXhat
                        dBeta[c] += sumDy
                    }
                    if let dx {
                        inputGradient(
                            c, x: x, dy: dy, shape: s, gamma: gamma[c], mean: mean[c], invStd: invStd[c],
                            count: Float(count), sumDy: sumDy, sumDyXhat: sumDyXhat, dx: dx, dxBeta: dxBeta)
                    }
                }
            })
    }
}
