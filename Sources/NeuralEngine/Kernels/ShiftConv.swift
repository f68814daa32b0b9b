/// Convolution without im2col ("kn2row"): the weights of all taps that read the same input positions, stacked into one
/// [taps*M x C] matrix, multiply the input itself, and each tap's rows are then added into the output shifted by the
/// tap's offset. A strided conv first splits its input into stride x stride phases (every s-th row and column from
/// each offset); each tap reads exactly one phase, so no product of a padding zero is computed (products that land
/// outside the output, at a phase's far edge, are dropped).
///
/// Against im2col this writes and re-reads the input once instead of kernel-area times, and the GEMM's rows grow from
/// M to taps*M: the narrow convs of RANet's dense layers (96 -> 24 at 7x7: an sgemm with M=24, which runs well below
/// its peak) become [216 x 96] x [96 x N], and the classifiers' 3x3/2 convs on 7x7 planes skip the 31% of products
/// that im2col spends on the zero border. Backward (below) works in the same phases, so training graphs keep no
/// column matrix for these convs. `ConvAlgorithm.isShifted` says which convs take it.
enum ShiftConv {
    /// One phase of the input (rows r, r+s, ..., columns c, c+s, ...) and the taps that read it.
    struct Phase {
        let row: Int, column: Int, height: Int, width: Int
        /// Kernel position and the shift from output to phase coordinates (u = oy + dy, v = ox + dx).
        var taps: [(i: Int, j: Int, dy: Int, dx: Int)]
        var plane: Int { height * width }
    }

    static func phases(_ g: ConvGeometry) -> [Phase] {
        let s = g.stride
        let p = g.padding
        var result: [Phase] = []
        for r in 0..<s {
            for c in 0..<s {
                let phase = Phase(
                    row: r, column: c, height: (g.input.h - r + s - 1) / s,
                    width: (g.input.w - c + s - 1) / s, taps: [])
                guard phase.height > 0, phase.width > 0 else { continue }
                var taps = phase
                for i in 0..<g.kernelH where floorMod(i - p, s) == r {
                    for j in 0..<g.kernelW where floorMod(j - p, s) == c {
                        taps.taps.append((i, j, floorDiv(i - p, s), floorDiv(j - p, s)))
                    }
                }
                if !taps.taps.isEmpty { result.append(taps) }
            }
        }
        return result
    }

    /// The products ShiftConv computes over those im2col computes (which include the zero border's).
    static func productShare(_ g: ConvGeometry) -> Double {
        let products = phases(g).reduce(0) { $0 + $1.taps.count * $1.plane }
        return Double(products) / Double(g.kernelH * g.kernelW * g.outPlane)
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int, _ b: Int) -> Int { a - b * floorDiv(a, b) }

    /// Floats per image of the buffers a chunk needs (phase input, stacked products, output sums).
    static func floatsPerImage(_ g: ConvGeometry, _ phases: [Phase]) -> Int {
        let products = phases.map { $0.taps.count * g.outChannels * $0.plane }.max() ?? 0
        let input = phases.map { g.input.c * $0.plane }.max() ?? 0
        return products + input + g.outChannels * g.outPlane
    }

    /// Chunk budget in floats: 256 Ki (1 MB), so a chunk's buffers stay in a 2 MB L2.
    static let budget = 256 << 10

    /// y (+)= conv(x, w), with `epilogue` applied as the output is written. x and y may be views into wider channel
    /// buffers (the geometry's image strides).
    ///
    /// Inside a chunk every matrix keeps the images innermost ([channel][position][image]), so each tap's shifted add
    /// is one contiguous run per output row, however small the planes (the classifiers' are 4x4).
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        geometry g: ConvGeometry, scratch: Scratch, accumulate: Bool, epilogue: ChannelAffine?
    ) {
        let (M, C, N, P) = (g.outChannels, g.input.c, g.input.n, g.outPlane)
        let all = phases(g)
        let chunk = max(1, min(N, budget / max(floatsPerImage(g, all), 1)))
        let stacked = scratch.buffer(.shiftedStackedWeight, count: g.kernelH * g.kernelW * M * C)
        stackWeights(weight, g, all, into: stacked)
        var first = 0
        while first < N {
            let count = min(chunk, N - first)
            let sums = scratch.buffer(.shiftedSums, count: M * P * count)
            sums.update(repeating: 0, count: M * P * count)
            var tapStart = 0
            for phase in all {
                let T = phase.taps.count
                let cols = phase.plane * count
                let input = scratch.buffer(.shiftedPhaseInput, count: C * cols)
                let products = scratch.buffer(.shiftedProducts, count: T * M * cols)
                gatherPhase(x, g, phase, first: first, count: count, into: input)
                sgemm(
                    transA: false, transB: false, m: T * M, n: cols, k: C, a: stacked + tapStart * M * C, lda: C,
                    b: input, ldb: cols, beta: 0, c: products, ldc: cols)
                addShifted(products, phase, g, count: count, into: sums)
                tapStart += T
            }
            scatterImagesInnermost(
                sums, g, first: first, count: count, into: y, accumulate: accumulate,
                epilogue: epilogue)
            first += count
        }
    }

    /// The weights of each phase's taps as one [taps*M x C] matrix, the phases one after another.
    static func stackWeights(
        _ weight: UnsafePointer<Float>, _ g: ConvGeometry, _ phases: [Phase],
        into stacked: UnsafeMutablePointer<Float>
    ) {
        let (M, C, K) = (g.outChannels, g.input.c, g.kernelH * g.kernelW)
        var slot = [Int](repeating: -1, count: K)
        var next = 0
        for phase in phases {
            for tap in phase.taps {
                slot[tap.i * g.kernelW + tap.j] = next
                next += 1
            }
        }
        for m in 0..<M {
            for c in 0..<C {
                let src = weight + (m * C + c) * K
                for t in 0..<K where slot[t] >= 0 { stacked[(slot[t] * M + m) * C + c] = src[t] }
            }
        }
    }

    /// The phase's planes of images first ..< first+count as [C][phase position][image].
    static func gatherPhase(
        _ x: UnsafePointer<Float>, _ g: ConvGeometry, _ phase: Phase, first: Int, count: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let (C, H, W, s) = (g.input.c, g.input.h, g.input.w, g.stride)
        let Q = phase.plane
        let stride = g.inputImageStride
        parallelFor(C, work: C * Q * count) { c in
            let base = x + first * stride + c * H * W + phase.row * W + phase.column
            for u in 0..<phase.height {
                for v in 0..<phase.width {
                    let src = base + s * u * W + s * v
                    let out = dst + ((c * phase.height + u) * phase.width + v) * count
                    for img in 0..<count { out[img] = src[img * stride] }
                }
            }
        }
    }

    /// sums[m][oy][ox][img] += products[t*M + m][oy + dy][ox + dx][img] for every tap t of the phase, where that
    /// position lies inside the phase's plane: one contiguous run per output row.
    static func addShifted(
        _ products: UnsafePointer<Float>, _ phase: Phase, _ g: ConvGeometry, count: Int,
        into sums: UnsafeMutablePointer<Float>
    ) {
        forEachShiftedRun(phase, g, count: count) { phaseOffset, outputOffset, run in
            addRun(products + phaseOffset, into: sums + outputOffset, count: run)
        }
    }

    /// For every tap t of the phase, output channel m and output row oy whose shifted row lies inside the phase's
    /// plane: where the run of `run` floats starts in the stacked [t*M + m][u][v][img] matrix (u = oy + dy,
    /// v = ox + dx) and where the run it meets starts in the output's [m][oy][ox][img]. Forward adds along these
    /// runs, backward copies along them the other way.
    @inline(__always) static func forEachShiftedRun(
        _ phase: Phase, _ g: ConvGeometry, count: Int,
        _ body: (_ phaseOffset: Int, _ outputOffset: Int, _ run: Int) -> Void
    ) {
        let (M, oh, ow, P) = (g.outChannels, g.outH, g.outW, g.outPlane)
        let (h, w, Q) = (phase.height, phase.width, phase.plane)
        for (t, tap) in phase.taps.enumerated() {
            let y0 = max(0, -tap.dy)
            let y1 = min(oh, h - tap.dy)
            let x0 = max(0, -tap.dx)
            let x1 = min(ow, w - tap.dx)
            guard y0 < y1, x0 < x1 else { continue }
            let run = (x1 - x0) * count
            for m in 0..<M {
                let phaseBase = (t * M + m) * Q * count
                let outputBase = m * P * count
                for oy in y0..<y1 {
                    body(
                        phaseBase + ((oy + tap.dy) * w + x0 + tap.dx) * count, outputBase + (oy * ow + x0) * count, run)
                }
            }
        }
    }

    @inline(__always) static func addRun(_ s: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, count: Int) {
        var k = 0
        while k + 8 <= count {
            let v =
                UnsafeRawPointer(s + k).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(d + k).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(d + k).storeBytes(of: v, as: SIMD8<Float>.self)
            k += 8
        }
        while k < count {
            d[k] += s[k]
            k += 1
        }
    }

    /// y[img][m][p] (+)= sums[m][p][img], through `epilogue` when given.
    static func scatterImagesInnermost(
        _ sums: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int,
        into y: UnsafeMutablePointer<Float>, accumulate: Bool, epilogue: ChannelAffine?
    ) {
        let (M, P, stride) = (g.outChannels, g.outPlane, g.outputImageStride)
        parallelFor(M, work: M * P * count) { m in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: P) { buffer in
                let row = buffer.baseAddress!
                for img in 0..<count {
                    let src = sums + m * P * count + img
                    let dst = y + (first + img) * stride + m * P
                    for p in 0..<P { row[p] = src[p * count] }
                    if let epilogue {
                        epilogue.apply(row, into: dst, count: P, channel: m)
                        continue
                    }
                    if accumulate { for p in 0..<P { dst[p] += row[p] } } else { dst.update(from: row, count: P) }
                }
            }
        }
    }
}

extension ShiftConv {
    /// dW += and dx (+)= of a conv forward ran through ShiftConv, in the same phases. Per phase, dy shifted back by
    /// each tap into the phase's coordinates, D [taps*M x positions], serves both products: the stacked dW is
    /// D * X' and the phase's dx is W' * D, each position of the input belonging to exactly one phase. This replaces
    /// im2col, the dy gather, col2im (or the transposed conv's own im2col of dy) of the column path.
    static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, dxBeta: Float,
        geometry g: ConvGeometry, scratch: Scratch
    ) {
        let (M, C, N, P, K) = (g.outChannels, g.input.c, g.input.n, g.outPlane, g.kernelH * g.kernelW)
        let all = phases(g)
        let perImage = M * P + (all.map { ($0.taps.count * M + 2 * C) * $0.plane }.max() ?? 0)
        let chunk = max(1, min(N, budget / max(perImage, 1)))
        let stacked = scratch.buffer(.shiftedStackedWeight, count: K * M * C)
        let dStacked = scratch.buffer(.shiftedStackedWeightGradient, count: K * M * C)
        dStacked.update(repeating: 0, count: K * M * C)
        if dx != nil { stackWeights(weight, g, all, into: stacked) }
        // Input positions no tap reads (none for 3x3 kernels) get no dx from the phases: clear them first.
        if let dx, dxBeta == 0, all.reduce(0, { $0 + $1.plane }) < g.input.h * g.input.w {
            dx.update(repeating: 0, count: g.input.count)
        }
        var first = 0
        while first < N {
            let count = min(chunk, N - first)
            let gathered = scratch.buffer(.shiftedGatheredGradient, count: M * P * count)
            gatherImagesInnermost(dy, channels: M, plane: P, first: first, count: count, into: gathered)
            var tapStart = 0
            for phase in all {
                let T = phase.taps.count
                let cols = phase.plane * count
                let input = scratch.buffer(.shiftedPhaseInput, count: C * cols)
                let shifted = scratch.buffer(.shiftedProducts, count: T * M * cols)
                gatherPhase(x, g, phase, first: first, count: count, into: input)
                shiftBack(gathered, phase, g, count: count, into: shifted)
                sgemm(
                    transA: false, transB: true, m: T * M, n: C, k: cols, a: shifted, lda: cols, b: input, ldb: cols,
                    beta: 1, c: dStacked + tapStart * M * C, ldc: C)
                if let dx {
                    let phaseDx = scratch.buffer(.shiftedSums, count: C * cols)
                    sgemm(
                        transA: true, transB: false, m: C, n: cols, k: T * M, a: stacked + tapStart * M * C, lda: C,
                        b: shifted, ldb: cols, beta: 0, c: phaseDx, ldc: cols)
                    scatterPhase(phaseDx, g, phase, first: first, count: count, into: dx, accumulate: dxBeta != 0)
                }
                tapStart += T
            }
            first += count
        }
        var slot = 0
        for phase in all {
            for tap in phase.taps {
                let t = tap.i * g.kernelW + tap.j
                for m in 0..<M {
                    let src = dStacked + (slot * M + m) * C
                    let dst = dWeight + m * C * K + t
                    for c in 0..<C { dst[c * K] += src[c] }
                }
                slot += 1
            }
        }
    }

    /// dense [img][channel][p] -> [channel][p][img] for images first ..< first+count.
    static func gatherImagesInnermost(
        _ src: UnsafePointer<Float>, channels: Int, plane P: Int, first: Int, count: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        parallelFor(channels, work: channels * P * count) { c in
            let out = dst + c * P * count
            for img in 0..<count {
                let s = src + ((first + img) * channels + c) * P
                for p in 0..<P { out[p * count + img] = s[p] }
            }
        }
    }

    /// shifted[t*M + m][u][v][img] = dy[m][u - dy_t][v - dx_t][img] (0 where that output position does not exist).
    static func shiftBack(
        _ gathered: UnsafePointer<Float>, _ phase: Phase, _ g: ConvGeometry, count: Int,
        into shifted: UnsafeMutablePointer<Float>
    ) {
        shifted.update(repeating: 0, count: phase.taps.count * g.outChannels * phase.plane * count)
        forEachShiftedRun(phase, g, count: count) { phaseOffset, outputOffset, run in
            (shifted + phaseOffset).update(from: gathered + outputOffset, count: run)
        }
    }

    /// dx[img][c][s*u + row][s*v + column] (+)= phaseDx[c][u][v][img]: the inverse of `gatherPhase` into dense dx.
    static func scatterPhase(
        _ phaseDx: UnsafePointer<Float>, _ g: ConvGeometry, _ phase: Phase, first: Int, count: Int,
        into dx: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let (C, H, W, s) = (g.input.c, g.input.h, g.input.w, g.stride)
        let imageStride = C * H * W
        parallelFor(C, work: C * phase.plane * count) { c in
            let base = dx + first * imageStride + c * H * W + phase.row * W + phase.column
            for u in 0..<phase.height {
                for v in 0..<phase.width {
                    let dst = base + s * u * W + s * v
                    let src = phaseDx + ((c * phase.height + u) * phase.width + v) * count
                    if accumulate {
                        for img in 0..<count { dst[img * imageStride] += src[img] }
                    } else {
                        for img in 0..<count { dst[img * imageStride] = src[img] }
                    }
                }
            }
        }
    }
}
