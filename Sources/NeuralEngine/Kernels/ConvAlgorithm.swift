/// How a convolution is computed. `ConvAlgorithm.choose(for:_:)` is the one place that picks it from the geometry;
/// forward, backward and the graph's keep-the-columns decision all ask it, so they cannot disagree.
enum ConvAlgorithm: Equatable, Sendable {
    /// `DirectConv`: register-blocked loops over a zero-bordered copy of each image (few channels, wide planes).
    case direct
    /// `NarrowPointwiseConv`: register-blocked loops straight on the NCHW planes (1x1 convs with few outputs).
    case narrowPointwise
    /// One GEMM per image straight on the NCHW planes (1x1 convs on large planes): nothing to gather or scatter.
    case perImageGEMM
    /// `ShiftConv`: one GEMM for all kernel taps on the input itself, each tap's products added back shifted.
    case shiftedGEMM
    /// im2col (a plain channel-major gather for 1x1 convs) into a column matrix, one GEMM per chunk of images.
    case columnGEMM
}

/// The pass asking for an algorithm, and whether the whole batch's column matrix goes from forward to backward.
enum ConvPass: Equatable, Sendable {
    /// `keepingColumns`: forward writes the column matrix into a buffer backward will read.
    case forward(keepingColumns: Bool)
    /// `withSavedColumns`: forward kept the column matrix.
    case backward(withSavedColumns: Bool)

    /// Whether a column matrix built in forward is kept for backward; only `columnGEMM` builds one, so a pass that
    /// shares it must take an algorithm that can.
    var sharesColumns: Bool {
        switch self {
        case .forward(let keeping): keeping
        case .backward(let saved): saved
        }
    }
}

extension ConvAlgorithm {
    /// The algorithm for `pass` over geometry `g`.
    ///
    /// The special kernels take disjoint shapes (`direct`: 3x3 stride 1 with few channels; `narrowPointwise`: 1x1 with
    /// few outputs; `perImageGEMM`: other 1x1 on large planes; `shiftedGEMM`: 3x3 with many input channels, never a
    /// `direct` shape), so at most one test below holds.
    /// `directForwardOnly` and `singleImageDirect` shapes take `direct` in a forward that keeps no columns and another
    /// algorithm in backward.
    static func choose(for g: ConvGeometry, _ pass: ConvPass) -> ConvAlgorithm {
        if isDirect(g) { return .direct }
        if pass == .forward(keepingColumns: false) && (isDirectForwardOnly(g) || isSingleImageDirect(g)) {
            return .direct
        }
        if isNarrowPointwise(g) { return .narrowPointwise }
        if isPerImageGEMM(g) { return .perImageGEMM }
        if !pass.sharesColumns && isShifted(g) { return .shiftedGEMM }
        return .columnGEMM
    }

    /// Whether a training forward should keep its column matrix for backward: when, keeping none, it would build one
    /// anyway (`columnGEMM`), for the whole batch in one chunk, and the conv is not 1x1 (whose "columns" are a plain
    /// copy of the input, which backward redoes as cheaply as it would read it back). Convs that take `shiftedGEMM`
    /// or `direct` forward build no columns there; backward builds them for dW, which costs less than holding them.
    static func keepsColumns(_ g: ConvGeometry) -> Bool {
        !g.isPointwise && choose(for: g, .forward(keepingColumns: false)) == .columnGEMM
            && ConvKernels.imagesPerChunk(g) >= g.input.n
    }

    // MARK: Tuned cut-offs (chosen by timing the shapes on either side; the figures are in docs/performance.md)

    /// `direct` takes at most this many input channels: beyond, the GEMM's inner dimension is long enough to win.
    static let directMaxInputChannels = 24
    /// `direct` takes at most this many output channels: it keeps one block of outputs' sums in registers.
    static let directMaxOutputChannels = 16
    /// Planes at least this wide take `direct` in both passes; its dW sums one 8-wide chunk per row, which loses on
    /// narrower planes.
    static let directMinWidth = 12
    /// Planes at least this wide take `direct` forward (two output rows at a time); narrower ones waste most of each
    /// 8-wide vector.
    static let directForwardMinWidth = 6

    /// A single image's forward (batch-1 inference) takes `direct` with up to this many input channels ...
    static let singleImageDirectMaxInputChannels = 96
    /// ... and output channels: its GEMM has one plane of columns (64 on an 8x8 plane), too few for sgemm to make up
    /// for building them; with more outputs the direct kernel's blocks re-read the input too often.
    static let singleImageDirectMaxOutputChannels = 24

    /// 1x1 convs with at most this many output channels take `narrowPointwise`; with more, sgemm's packed panels catch
    /// up (measured per output count: docs/performance.md, where each cut-off comes from).
    static let narrowPointwiseMaxOutputChannels = 8
    /// ... on planes of at least this many values: one pair of 8-wide chunks (smaller planes would be all tail).
    static let narrowPointwiseMinPlane = 16

    /// 1x1 convs on planes of at least this many values (7x7) take `perImageGEMM`; smaller planes (4x4) are gathered
    /// across images into one wide GEMM, which beats many tiny ones.
    static let perImageGEMMMinPlane = 49

    /// `shiftedGEMM` needs at least this many output positions per call: below, restacking the weights (as many
    /// floats as the conv has weights) costs more than it saves.
    static let shiftedMinPositions = 256
    /// Stride-1 convs take `shiftedGEMM` when they narrow the channels at least 2.5x (out/in <= 2/5): the stacked
    /// GEMM's rows grow to 9*out while im2col's 9*in-row matrix is never written. Narrowing less, im2col wins.
    static let shiftedNarrowing = (outChannels: 2, inChannels: 5)
    /// ... and have at least this many input channels: the stacked GEMM's inner dimension (K = in) is poor below.
    static let shiftedStride1MinInputChannels = 48
    /// Stride-2 convs take `shiftedGEMM` with at least this many input channels ...
    static let shiftedStride2MinInputChannels = 32
    /// ... when it computes at most this share of im2col's products (im2col multiplies the zero border too): on
    /// planes where the border is a small share, nothing is saved and the phase split costs more.
    static let shiftedStride2MaxProductShare = 0.8

    // MARK: Shape rules

    /// 3x3 "same" stride-1 convs with few channels on planes wide enough for both passes.
    static func isDirect(_ g: ConvGeometry) -> Bool { isDirectForwardOnlyOrBoth(g) && g.input.w >= directMinWidth }

    /// 3x3 "same" stride-1 convs with few channels on planes too narrow for `direct`'s backward.
    static func isDirectForwardOnly(_ g: ConvGeometry) -> Bool { isDirectForwardOnlyOrBoth(g) && !isDirect(g) }

    /// 3x3 "same" stride-1 convs of one image with up to `singleImageDirectMax...` channels: forward only.
    static func isSingleImageDirect(_ g: ConvGeometry) -> Bool {
        g.input.n == 1 && g.stride == 1 && g.kernelH == 3 && g.kernelW == 3 && g.padding == 1
            && g.input.c <= singleImageDirectMaxInputChannels && g.outChannels <= singleImageDirectMaxOutputChannels
            && g.input.w >= directForwardMinWidth
    }

    private static func isDirectForwardOnlyOrBoth(_ g: ConvGeometry) -> Bool {
        g.stride == 1 && g.kernelH == 3 && g.kernelW == 3 && g.padding == 1
            && g.input.c <= directMaxInputChannels && g.outChannels <= directMaxOutputChannels
            && g.input.w >= directForwardMinWidth
    }

    static func isNarrowPointwise(_ g: ConvGeometry) -> Bool {
        g.isPointwise && g.outChannels <= narrowPointwiseMaxOutputChannels && g.outPlane >= narrowPointwiseMinPlane
    }

    static func isPerImageGEMM(_ g: ConvGeometry) -> Bool {
        g.isPointwise && g.outPlane >= perImageGEMMMinPlane && !isNarrowPointwise(g)
    }

    static func isShifted(_ g: ConvGeometry) -> Bool {
        guard g.kernelH == 3, g.kernelW == 3, !isDirect(g), g.input.n * g.outPlane >= shiftedMinPositions else {
            return false
        }
        if g.stride == 2 {
            return g.input.c >= shiftedStride2MinInputChannels
                && ShiftConv.productShare(g) <= shiftedStride2MaxProductShare
        }
        return g.stride == 1 && shiftedNarrowing.inChannels * g.outChannels <= shiftedNarrowing.outChannels * g.input.c
            && g.input.c >= shiftedStride1MinInputChannels
    }
}
