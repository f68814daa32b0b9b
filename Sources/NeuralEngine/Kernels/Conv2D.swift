/// Convolution entry points: `forward` and `backward` run the algorithm `ConvAlgorithm.choose` picks (`DirectConv`,
/// `ShiftConv`, a GEMM per image, or the column GEMM below).
///
/// The column GEMM: im2col + OpenBLAS sgemm, oriented out[M x N] = W[M x K] * cols[K x N] (faster than the
/// transposed orientation for the small output-channel counts of dense blocks).
///
/// Images are processed in chunks whose column matrix fits `columnBudget` floats, so a batch of 64 at 32x32 does not
/// need a multi-hundred-megabyte workspace; small planes (8x8) are batched across images so each GEMM is large.
public enum ConvKernels {
    /// Upper bound on the im2col workspace, in floats (16 MiB).
    static let columnBudget = 4 << 20

    /// Column budget when forward does not keep the columns (inference, and convs whose columns backward rebuilds):
    /// 128 Ki floats (512 KB, a quarter of a 2 MB L2), so im2col's output is still in cache when sgemm reads it and
    /// the GEMM's output is when the scatter does.
    static let streamingColumnBudget = 128 << 10

    static func imagesPerChunk(_ g: ConvGeometry, budget: Int = columnBudget) -> Int {
        let perImage = max(g.patch, g.outChannels) * g.outPlane
        return max(1, min(g.input.n, budget / max(perImage, 1)))
    }

    /// Whether backward computes dx as a convolution of dy with the flipped, transposed weight instead of building
    /// d(columns) and folding it back with col2im. Stride-1 convs that narrow the channels (dense-block 3x3 convs:
    /// 96 -> 24) then multiply a 9*out-row column matrix instead of writing and re-reading a 9*in-row one, and the
    /// GEMM's inner dimension grows from out to 9*out channels.
    static func computesDxByTransposedConv(_ g: ConvGeometry) -> Bool {
        g.stride == 1 && !g.isPointwise && g.kernelH == g.kernelW && g.padding <= g.kernelH - 1
            && g.outChannels < g.input.c
    }

    /// y = conv(x, w) (+ bias). y is overwritten (or added to with `accumulate`). `keepColumns` (whole batch in one
    /// chunk) receives the im2col matrix so backward need not rebuild it.
    public static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, scratch: Scratch,
        keepColumns: UnsafeMutablePointer<Float>? = nil, accumulate: Bool = false,
        epilogue: ChannelAffine? = nil
    ) {
        let algorithm = ConvAlgorithm.choose(for: g, .forward(keepingColumns: keepColumns != nil))
        if keepColumns == nil && splitsAcrossHelper(g) {
            splitForward(
                x: x, weight: weight, bias: bias, y: y, geometry: g, scratch: scratch, accumulate: accumulate,
                epilogue: epilogue, algorithm: algorithm)
            return
        }
        forward(
            x: x, weight: weight, bias: bias, y: y, geometry: g, scratch: scratch, keepColumns: keepColumns,
            accumulate: accumulate, epilogue: epilogue, algorithm: algorithm)
    }

    /// A single image's conv splits its output channels across the helper thread from this many multiply-adds: a
    /// hand-off to the spinning helper costs about a microsecond, the work of ~50,000 multiply-adds.
    static let singleImageSplitMinimumMACs = 1 << 17

    static func splitsAcrossHelper(_ g: ConvGeometry) -> Bool {
        EngineThreads.splitsSingleImages && g.input.n == 1 && g.outChannels >= 2
            && g.macs >= singleImageSplitMinimumMACs
    }

    /// `forward` of one image with the first half of the output channels on the calling thread and the second on
    /// `SpinningHelper`, each through `algorithm` (the whole conv's), the helper with workspaces of its own. The
    /// results are the whole conv's up to the order of additions: OpenBLAS may sum a GEMM's products in another order
    /// for half the rows (~1e-7 relative).
    static func splitForward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, scratch: Scratch, accumulate: Bool,
        epilogue: ChannelAffine?, algorithm: ConvAlgorithm
    ) {
        let half = g.outChannels / 2
        func part(_ channels: Range<Int>, _ scratch: Scratch) {
            let first = channels.lowerBound
            let partGeometry = ConvGeometry(
                input: g.input, outChannels: channels.count, kernelH: g.kernelH, kernelW: g.kernelW,
                stride: g.stride, padding: g.padding, inputImageStride: g.inputImageStride,
                outputImageStride: g.outputImageStride)
            forward(
                x: x, weight: weight + first * g.patch, bias: bias.map { $0 + first }, y: y + first * g.outPlane,
                geometry: partGeometry, scratch: scratch, keepColumns: nil, accumulate: accumulate,
                epilogue: epilogue?.channels(from: first), algorithm: algorithm)
        }
        let helperScratch = scratch.helperScratch
        SpinningHelper.shared.run(
            { part(half..<g.outChannels, helperScratch) }, alongside: { part(0..<half, scratch) })
    }

    /// `forward` through the given algorithm instead of the chosen one (tests run one call through two).
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, scratch: Scratch,
        keepColumns: UnsafeMutablePointer<Float>?, accumulate: Bool, epilogue: ChannelAffine?,
        algorithm: ConvAlgorithm
    ) {
        let M = g.outChannels
        let K = g.patch
        let P = g.outPlane
        let N = g.input.n
        precondition(epilogue == nil || (bias == nil && !accumulate), "conv epilogue: fold the bias into its shift")
        switch algorithm {
        case .direct:
            DirectConv.forward(x: x, weight: weight, y: y, geometry: g, scratch: scratch, accumulate: accumulate)
            for img in 0..<N { epilogue?.apply(inPlace: y + img * g.outputImageStride, channels: M, plane: P) }
        case .narrowPointwise:
            NarrowPointwiseConv.forward(
                x: x, weight: weight, y: y, geometry: g, accumulate: accumulate, epilogue: epilogue)
        case .perImageGEMM:
            for img in 0..<N {
                sgemm(
                    transA: false, transB: false, m: M, n: P, k: K, a: weight, lda: K,
                    b: x + img * g.inputImageStride, ldb: P, beta: accumulate ? 1 : 0, c: y + img * g.outputImageStride,
                    ldc: P)
                epilogue?.apply(inPlace: y + img * g.outputImageStride, channels: M, plane: P)
            }
        case .shiftedGEMM:
            ShiftConv.forward(
                x: x, weight: weight, y: y, geometry: g, scratch: scratch, accumulate: accumulate,
                epilogue: epilogue)
        case .columnGEMM:
            columnGEMMForward(
                x: x, weight: weight, y: y, geometry: g, scratch: scratch, keepColumns: keepColumns,
                accumulate: accumulate, epilogue: epilogue)
        }
        if let bias {
            parallelFor(N * M, work: N * M * P) { job in
                let b = bias[job % M]
                let row = y + job / M * g.outputImageStride + job % M * P
                for p in 0..<P { row[p] += b }
            }
        }
    }

    /// The column matrix of images first..<first+count: a 1x1 conv's input gathered channel-major (its columns are
    /// the input itself), any other conv's im2col.
    static func buildColumns(
        _ x: UnsafePointer<Float>, _ g: ConvGeometry, first: Int, count: Int, into columns: UnsafeMutablePointer<Float>
    ) {
        if g.isPointwise {
            gatherChannelMajor(
                x, channels: g.patch, plane: g.outPlane, first: first, count: count,
                imageStride: g.inputImageStride, into: columns)
        } else {
            im2col(x, g, first: first, count: count, cols: columns)
        }
    }

    /// The `columnGEMM` forward: per chunk of images, im2col (or gather), one GEMM, and a scatter back to NCHW.
    static func columnGEMMForward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        geometry g: ConvGeometry, scratch: Scratch, keepColumns: UnsafeMutablePointer<Float>?, accumulate: Bool,
        epilogue: ChannelAffine?
    ) {
        let M = g.outChannels
        let K = g.patch
        let P = g.outPlane
        let N = g.input.n
        let chunk = imagesPerChunk(g, budget: keepColumns == nil ? streamingColumnBudget : columnBudget)
        var first = 0
        while first < N {
            let count = min(chunk, N - first)
            let cols = count * P
            let colBuf = keepColumns ?? scratch.buffer(.columns, count: K * cols)
            let outBuf = scratch.buffer(.gemmOutput, count: M * cols)
            buildColumns(x, g, first: first, count: count, into: colBuf)
            sgemm(
                transA: false, transB: false, m: M, n: cols, k: K, a: weight, lda: K, b: colBuf, ldb: cols,
                beta: 0, c: outBuf, ldc: cols)
            scatterChannelMajor(
                outBuf, channels: M, plane: P, first: first, count: count, into: y,
                imageStride: g.outputImageStride, accumulate: accumulate, epilogue: epilogue)
            first += count
        }
    }

    /// Accumulates dW (+= always) and db, and writes (beta 0) or adds (beta 1) dx when `dx` is given. x may be a view
    /// into a wider channel buffer (`g.inputImageStride`); dy and dx are dense.
    public static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
        dx: UnsafeMutablePointer<Float>?, dxBeta: Float,
        geometry g: ConvGeometry, scratch: Scratch,
        savedColumns: UnsafePointer<Float>? = nil
    ) {
        let M = g.outChannels
        let K = g.patch
        let P = g.outPlane
        let N = g.input.n
        precondition(g.outputIsDense, "conv backward: dy must be dense")
        if let dBias {
            for m in 0..<M {
                var s: Float = 0
                for img in 0..<N {
                    let row = dy + (img * M + m) * P
                    for p in 0..<P { s += row[p] }
                }
                dBias[m] += s
            }
        }
        switch ConvAlgorithm.choose(for: g, .backward(withSavedColumns: savedColumns != nil)) {
        case .shiftedGEMM:
            ShiftConv.backward(
                x: x, weight: weight, dy: dy, dWeight: dWeight, dx: dx, dxBeta: dxBeta, geometry: g,
                scratch: scratch)
        case .direct:
            DirectConv.backward(
                x: x, weight: weight, dy: dy, dWeight: dWeight, dx: dx, dxBeta: dxBeta, geometry: g,
                scratch: scratch)
        case .narrowPointwise:
            NarrowPointwiseConv.backward(
                x: x, weight: weight, dy: dy, dWeight: dWeight, dx: dx, dxBeta: dxBeta, geometry: g)
        case .perImageGEMM:
            for img in 0..<N {
                sgemm(
                    transA: false, transB: true, m: M, n: K, k: P, a: dy + img * M * P, lda: P,
                    b: x + img * g.inputImageStride, ldb: P, beta: 1, c: dWeight, ldc: K)
                if let dx {
                    sgemm(
                        transA: true, transB: false, m: K, n: P, k: M, a: weight, lda: K, b: dy + img * M * P,
                        ldb: P, beta: dxBeta, c: dx + img * K * P, ldc: P)
                }
            }
        case .columnGEMM:
            columnGEMMBackward(
                x: x, weight: weight, dy: dy, dWeight: dWeight, dx: dx, dxBeta: dxBeta, geometry: g,
                scratch: scratch, savedColumns: savedColumns)
        }
    }

    /// The `columnGEMM` backward: per chunk of images, the columns (saved, or rebuilt), dW += dy * columns', and dx
    /// by d(columns) folded back with col2im, or, for narrowing stride-1 convs, by one transposed conv at the end.
    static func columnGEMMBackward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, dxBeta: Float,
        geometry g: ConvGeometry, scratch: Scratch, savedColumns: UnsafePointer<Float>?
    ) {
        let M = g.outChannels
        let K = g.patch
        let P = g.outPlane
        let N = g.input.n
        let transposedDx = dx != nil && computesDxByTransposedConv(g)
        if let dx, dxBeta == 0, !g.isPointwise, !transposedDx { dx.update(repeating: 0, count: g.input.count) }
        let chunk = imagesPerChunk(g)
        var first = 0
        while first < N {
            let count = min(chunk, N - first)
            let cols = count * P
            let colBuf = scratch.buffer(.columns, count: K * cols)
            let dyBuf = scratch.buffer(.gemmOutput, count: M * cols)
            // Columns saved by forward (whole batch in one chunk) spare recomputing them.
            let columns: UnsafePointer<Float>
            if let savedColumns, count == N {
                columns = savedColumns
            } else {
                buildColumns(x, g, first: first, count: count, into: colBuf)
                columns = UnsafePointer(colBuf)
            }
            gatherChannelMajor(dy, channels: M, plane: P, first: first, count: count, into: dyBuf)
            sgemm(
                transA: false, transB: true, m: M, n: K, k: cols, a: dyBuf, lda: cols, b: columns, ldb: cols,
                beta: 1, c: dWeight, ldc: K)
            if let dx, !transposedDx {
                // The column buffer is free again: reuse it for d(cols).
                sgemm(
                    transA: true, transB: false, m: K, n: cols, k: M, a: weight, lda: K, b: dyBuf, ldb: cols,
                    beta: 0, c: colBuf, ldc: cols)
                if g.isPointwise {
                    scatterChannelMajor(
                        colBuf, channels: K, plane: P, first: first, count: count, into: dx,
                        accumulate: dxBeta != 0)
                } else {
                    col2imAdd(colBuf, g, first: first, count: count, dx: dx)
                }
            }
            first += count
        }
        if transposedDx, let dx {
            transposedConvDx(weight: weight, dy: dy, dx: dx, accumulate: dxBeta != 0, g, scratch)
        }
    }

    /// dx = conv(dy, w'), w'[c][m][kh-1-i][kw-1-j] = w[m][c][i][j], padding kh-1-pad: the stride-1 transposed conv.
    static func transposedConvDx(
        weight: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        accumulate: Bool, _ g: ConvGeometry, _ scratch: Scratch
    ) {
        let (M, C, kh, kw) = (g.outChannels, g.input.c, g.kernelH, g.kernelW)
        let flipped = scratch.buffer(.transposedWeight, count: C * M * kh * kw)
        for m in 0..<M {
            for c in 0..<C {
                for i in 0..<kh {
                    for j in 0..<kw {
                        flipped[((c * M + m) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] =
                            weight[((m * C + c) * kh + i) * kw + j]
                    }
                }
            }
        }
        let transposed = ConvGeometry(
            input: g.output, outChannels: C, kernelH: kh, kernelW: kw, stride: 1,
            padding: kh - 1 - g.padding)
        forward(
            x: dy, weight: flipped, bias: nil, y: dx, geometry: transposed, scratch: scratch, accumulate: accumulate)
    }
}
