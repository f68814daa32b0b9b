/// Direct 3x3 "same" convolution for few channels on wide planes (the 5->5 and 18->9 convs of dense layers at full
/// resolution): as a GEMM these have 5 to 9 output rows and a 45-row column matrix that im2col writes and sgemm
/// re-reads for every output, far below the GEMM's speed on larger shapes. Here
/// each image's input is copied once into a zero-bordered buffer and every output row is accumulated in registers
/// from shifted rows of it, up to five output channels at a time (see `blockSize`).
///
/// Works one image at a time on the calling thread: training and evaluation already run one part of the batch per
/// thread (`ReplicaGroup`, `EngineThreads.runParts`).
enum DirectConv {
    typealias Lanes = SIMD8<Float>
    static let lanes = 8

    // The shapes it takes (both passes, or forward only on narrower planes) are `ConvAlgorithm.isDirect` and
    // `ConvAlgorithm.isDirectForwardOnly`.

    /// Width of a bordered row: the output row rounded up to whole vectors, plus the two border columns.
    static func paddedWidth(_ g: ConvGeometry) -> Int { roundedWidth(g) + 2 }
    static func roundedWidth(_ g: ConvGeometry) -> Int { (g.outW + lanes - 1) / lanes * lanes }

    /// Copies image `img`'s channels into `padded` (C x (H+2) x paddedWidth), whose borders must be zero already.
    static func fillPadded(
        _ x: UnsafePointer<Float>, _ g: ConvGeometry, image img: Int,
        _ padded: UnsafeMutablePointer<Float>
    ) {
        let (C, H, W) = (g.input.c, g.input.h, g.input.w)
        let Wp = paddedWidth(g)
        for c in 0..<C {
            let src = x + img * g.inputImageStride + c * H * W
            let dst = padded + (c * (H + 2) + 1) * Wp + 1
            for row in 0..<H { (dst + row * Wp).update(from: src + row * W, count: W) }
        }
    }

    /// Whether forward sums two 8-wide chunks of a row at once. With FMA (AVX2 builds) eight independent sums keep
    /// the FMA units busy where four chains of dependent FMAs wait on their latency. SSE2 has too few registers for
    /// eight 8-wide sums (slower there). Either way every output sums the same terms in the same order, so
    /// the tests run both settings (the `pairsChunks` parameter of `forward` and `backward`) in any build.
    #if RANET_CPU_HASWELL
        static let pairsChunksByDefault = true
    #else
        static let pairsChunksByDefault = false
    #endif

    /// y (+)= conv(x, w) for every image.
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        geometry g: ConvGeometry, scratch: Scratch, accumulate: Bool, pairsChunks: Bool = pairsChunksByDefault
    ) {
        let (C, H, W, M) = (g.input.c, g.input.h, g.input.w, g.outChannels)
        let Wp = paddedWidth(g)
        let paddedCount = C * (H + 2) * Wp
        let padded = scratch.buffer(.directPaddedInput, count: paddedCount)
        padded.update(repeating: 0, count: paddedCount)
        for img in 0..<g.input.n {
            fillPadded(x, g, image: img, padded)
            var m0 = 0
            while m0 < M {
                let block = blockSize(M, from: m0)
                let out = y + img * g.outputImageStride + m0 * H * W
                let w0 = weight + m0 * C * 9
                switch block {
                case 1: rows(Width1.self, padded, w0, out, g, accumulate, pairsChunks)
                case 2: rows(Width2.self, padded, w0, out, g, accumulate, pairsChunks)
                case 3: rows(Width3.self, padded, w0, out, g, accumulate, pairsChunks)
                case 4: rows(Width4.self, padded, w0, out, g, accumulate, pairsChunks)
                default: rows(Width5.self, padded, w0, out, g, accumulate, pairsChunks)
                }
                m0 += block
            }
        }
    }

    /// Output channels summed together, the channels split evenly: 9 -> 5 + 4 rather than 4 + 4 + 1, whose block of
    /// one keeps too few sums in flight to hide the multiply-adds' latency (it took as long as a block of four).
    /// Five blocks of two 8-wide chunks are 10 sums, 13 of the 16 AVX registers with the inputs and a weight.
    #if RANET_CPU_HASWELL
        static let maxBlock = 5
    #else
        static let maxBlock = 4
    #endif
    static func blockSize(_ M: Int, from m0: Int) -> Int {
        let blocks = (M + maxBlock - 1) / maxBlock
        let base = M / blocks
        let extra = M % blocks
        // The first `extra` blocks are base+1 wide, the rest base wide.
        return m0 < extra * (base + 1) ? base + 1 : base
    }

    /// The block width as a type, so each width gets its own compiled loop with only its sums.
    protocol BlockWidth { static var value: Int { get } }
    enum Width1: BlockWidth { static var value: Int { 1 } }
    enum Width2: BlockWidth { static var value: Int { 2 } }
    enum Width3: BlockWidth { static var value: Int { 3 } }
    enum Width4: BlockWidth { static var value: Int { 4 } }
    enum Width5: BlockWidth { static var value: Int { 5 } }

    /// Every output row of one image for the block of B.value channels starting at `out` (weights at `w0`).
    @inline(__always)
    static func rows<B: BlockWidth>(
        _: B.Type, _ padded: UnsafePointer<Float>, _ w0: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, _ g: ConvGeometry, _ accumulate: Bool, _ pairsChunks: Bool
    ) {
        let (C, H, W) = (g.input.c, g.input.h, g.input.w)
        let Wp = paddedWidth(g)
        let chunks = roundedWidth(g) / lanes
        let block = B.value
        let cs = C * 9
        // Rows of one chunk (planes up to 8 wide) pair two output rows instead of two chunks of a row.
        let pairsRows = pairsChunks && chunks == 1
        let second = pairsRows ? Wp : lanes
        for oy in stride(from: 0, to: H, by: pairsRows ? 2 : 1) {
            var q = 0
            while q < chunks {
                let two = pairsRows ? oy + 1 < H : pairsChunks && q + 1 < chunks
                var sums = BlockSums()
                for c in 0..<C {
                    let wc = w0 + c * 9
                    for i in 0..<3 {
                        let row = padded + (c * (H + 2) + oy + i) * Wp + q * lanes
                        for j in 0..<3 {
                            let t = i * 3 + j
                            let v = UnsafeRawPointer(row + j).loadUnaligned(as: Lanes.self)
                            let u = two ? UnsafeRawPointer(row + j + second).loadUnaligned(as: Lanes.self) : v
                            sums.add(block, v, u) { wc[$0 * cs + t] }
                        }
                    }
                }
                let o = out + oy * W
                sums.store(.first, block, o, q * lanes, W, H * W, accumulate)
                if two {
                    sums.store(
                        .second, block, pairsRows ? o + W : o, pairsRows ? q * lanes : (q + 1) * lanes, W, H * W,
                        accumulate)
                }
                q += two && !pairsRows ? 2 : 1
            }
        }
    }

    /// The sums of a block of up to five output channels over two 8-wide chunks (`a` the first, `b` the second): ten
    /// named vectors, which stay in registers once the loops around them are inlined.
    struct BlockSums {
        var a0 = Lanes()
        var a1 = Lanes()
        var a2 = Lanes()
        var a3 = Lanes()
        var a4 = Lanes()
        var b0 = Lanes()
        var b1 = Lanes()
        var b2 = Lanes()
        var b3 = Lanes()
        var b4 = Lanes()

        enum Chunk { case first, second }

        /// a[k] += factor(k) * v and b[k] += factor(k) * u for the block's first `block` channels k; a factor is one
        /// weight for every lane or a vector of them.
        @inline(__always) mutating func add<Factor: LaneFactor>(
            _ block: Int, _ v: Lanes, _ u: Lanes, _ factor: (Int) -> Factor
        ) {
            let k0 = factor(0)
            k0.addProduct(v, to: &a0)
            k0.addProduct(u, to: &b0)
            if block > 1 {
                let k = factor(1)
                k.addProduct(v, to: &a1)
                k.addProduct(u, to: &b1)
            }
            if block > 2 {
                let k = factor(2)
                k.addProduct(v, to: &a2)
                k.addProduct(u, to: &b2)
            }
            if block > 3 {
                let k = factor(3)
                k.addProduct(v, to: &a3)
                k.addProduct(u, to: &b3)
            }
            if block > 4 {
                let k = factor(4)
                k.addProduct(v, to: &a4)
                k.addProduct(u, to: &b4)
            }
        }

        /// Calls `body(k, a[k], b[k])` for the block's first `block` channels k (unrolled: a loop indexing the sums
        /// would keep them in memory).
        @inline(__always) func forEach(_ block: Int, _ body: (Int, Lanes, Lanes) -> Void) {
            body(0, a0, b0)
            if block > 1 { body(1, a1, b1) }
            if block > 2 { body(2, a2, b2) }
            if block > 3 { body(3, a3, b3) }
            if block > 4 { body(4, a4, b4) }
        }

        /// Stores (or adds) one chunk's sums of the `block` channels (planes `plane` apart) to output columns
        /// ox ..< ox+8 of a row.
        @inline(__always) func store(
            _ chunk: Chunk, _ block: Int, _ row: UnsafeMutablePointer<Float>, _ ox: Int, _ W: Int, _ plane: Int,
            _ accumulate: Bool
        ) {
            let out = row + ox
            let count = min(lanes, W - ox)
            forEach(block) { k, a, b in DirectConv.store(chunk == .first ? a : b, out + k * plane, count, accumulate) }
        }
    }

    @inline(__always) static func store(
        _ v: Lanes, _ dst: UnsafeMutablePointer<Float>, _ count: Int, _ accumulate: Bool
    ) {
        if count == lanes {
            let r = accumulate ? v + UnsafeRawPointer(dst).loadUnaligned(as: Lanes.self) : v
            UnsafeMutableRawPointer(dst).storeBytes(of: r, as: Lanes.self)
        } else {
            for k in 0..<count { dst[k] = accumulate ? dst[k] + v[k] : v[k] }
        }
    }

    /// dW[m0 ..< m0+block][c][tapRow][0...2] += this image's sums of dy[m] * (x[c] shifted by that tap): the three
    /// shifted rows of x are loaded once for four output channels (7 loads per 12 multiply-adds; one (m, c) pair
    /// with all nine taps took 10 per 9, which made dW cost more than the forward conv).
    @inline(__always) static func weightRowGradient(
        _ grad: UnsafePointer<Float>, _ padded: UnsafePointer<Float>,
        c: Int, m0: Int, block: Int, tapRow i: Int, _ g: ConvGeometry,
        _ dWeight: UnsafeMutablePointer<Float>
    ) {
        let (C, H) = (g.input.c, g.input.h)
        let Wp = paddedWidth(g)
        let Wr = roundedWidth(g)
        let chunks = Wr / lanes
        var a0 = Lanes()
        var a1 = Lanes()
        var a2 = Lanes()
        var b0 = Lanes()
        var b1 = Lanes()
        var b2 = Lanes()
        var c0 = Lanes()
        var c1 = Lanes()
        var c2 = Lanes()
        var e0 = Lanes()
        var e1 = Lanes()
        var e2 = Lanes()
        // Rows of absent channels (block < 4) read channel m0's again; their sums are dropped.
        let d0 = grad + m0 * H * Wr
        let d1 = grad + (m0 + min(1, block - 1)) * H * Wr
        let d2 = grad + (m0 + min(2, block - 1)) * H * Wr
        let d3 = grad + (m0 + min(3, block - 1)) * H * Wr
        for oy in 0..<H {
            let r = padded + (c * (H + 2) + oy + i) * Wp
            let o = oy * Wr
            for q in 0..<chunks {
                let p = q * lanes
                let x0 = UnsafeRawPointer(r + p).loadUnaligned(as: Lanes.self)
                let x1 = UnsafeRawPointer(r + p + 1).loadUnaligned(as: Lanes.self)
                let x2 = UnsafeRawPointer(r + p + 2).loadUnaligned(as: Lanes.self)
                let v0 = UnsafeRawPointer(d0 + o + p).loadUnaligned(as: Lanes.self)
                a0.addProduct(v0, x0)
                a1.addProduct(v0, x1)
                a2.addProduct(v0, x2)
                let v1 = UnsafeRawPointer(d1 + o + p).loadUnaligned(as: Lanes.self)
                b0.addProduct(v1, x0)
                b1.addProduct(v1, x1)
                b2.addProduct(v1, x2)
                let v2 = UnsafeRawPointer(d2 + o + p).loadUnaligned(as: Lanes.self)
                c0.addProduct(v2, x0)
                c1.addProduct(v2, x1)
                c2.addProduct(v2, x2)
                let v3 = UnsafeRawPointer(d3 + o + p).loadUnaligned(as: Lanes.self)
                e0.addProduct(v3, x0)
                e1.addProduct(v3, x1)
                e2.addProduct(v3, x2)
            }
        }
        @inline(__always) func add(_ k: Int, _ s0: Lanes, _ s1: Lanes, _ s2: Lanes) {
            let dw = dWeight + ((m0 + k) * C + c) * 9 + i * 3
            dw[0] += s0.sum()
            dw[1] += s1.sum()
            dw[2] += s2.sum()
        }
        add(0, a0, a1, a2)
        if block > 1 { add(1, b0, b1, b2) }
        if block > 2 { add(2, c0, c1, c2) }
        if block > 3 { add(3, e0, e1, e2) }
    }

    /// dW += sum over images and pixels of dy[m] * (shifted x[c]); dx (+)= the transposed convolution of dy.
    static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, dxBeta: Float,
        geometry g: ConvGeometry, scratch: Scratch, pairsChunks: Bool = pairsChunksByDefault
    ) {
        let (C, H, W, M) = (g.input.c, g.input.h, g.input.w, g.outChannels)
        let Wp = paddedWidth(g)
        let Wr = roundedWidth(g)
        let paddedCount = C * (H + 2) * Wp
        let gradCount = M * H * Wr
        let padded = scratch.buffer(.directPaddedInput, count: paddedCount)
        let grad = scratch.buffer(.directPaddedGradient, count: gradCount)
        padded.update(repeating: 0, count: paddedCount)
        // dy rows rounded up to whole vectors with zeros, so the columns past the plane add nothing.
        grad.update(repeating: 0, count: gradCount)
        for img in 0..<g.input.n {
            fillPadded(x, g, image: img, padded)
            for m in 0..<M {
                for row in 0..<H {
                    (grad + (m * H + row) * Wr).update(from: dy + ((img * M + m) * H + row) * W, count: W)
                }
            }
            for c in 0..<C {
                var m0 = 0
                while m0 < M {
                    let block = min(4, M - m0)
                    for i in 0..<3 {
                        weightRowGradient(grad, padded, c: c, m0: m0, block: block, tapRow: i, g, dWeight)
                    }
                    m0 += block
                }
            }
        }
        guard let dx else { return }
        // dx = conv(dy, w') with w'[c][m][2-i][2-j] = w[m][c][i][j]: again a 3x3 "same" conv, M -> C channels.
        let flipped = scratch.buffer(.directFlippedWeight, count: C * M * 9)
        for m in 0..<M {
            for c in 0..<C { for t in 0..<9 { flipped[(c * M + m) * 9 + 8 - t] = weight[(m * C + c) * 9 + t] } }
        }
        let transposed = ConvGeometry(input: g.output, outChannels: C, kernelH: 3, kernelW: 3, stride: 1, padding: 1)
        forward(
            x: dy, weight: flipped, y: dx, geometry: transposed, scratch: scratch, accumulate: dxBeta != 0,
            pairsChunks: pairsChunks)
    }
}

/// What multiplies an 8-wide vector in `DirectConv.BlockSums.add`: one weight for every lane, or one per lane.
protocol LaneFactor {
    /// sum += self * x.
    func addProduct(_ x: SIMD8<Float>, to sum: inout SIMD8<Float>)
}

extension Float: LaneFactor {
    @inline(__always) func addProduct(_ x: SIMD8<Float>, to sum: inout SIMD8<Float>) { sum.addProduct(self, x) }
}

extension SIMD8: LaneFactor where Scalar == Float {
    @inline(__always) func addProduct(_ x: SIMD8<Float>, to sum: inout SIMD8<Float>) { sum.addProduct(self, x) }
}

extension SIMD8 where Scalar == Float {
    /// self += a * b: one fused multiply-add per lane when the engine is built for FMA (Package.swift), a multiply
    /// and an add otherwise (on SSE2 an FMA would be a library call per lane).
    @inline(__always) mutating func addProduct(_ a: Float, _ b: SIMD8<Float>) {
        #if RANET_CPU_HASWELL
            self = addingProduct(a, b)
        #else
            self += a * b
        #endif
    }

    @inline(__always) mutating func addProduct(_ a: SIMD8<Float>, _ b: SIMD8<Float>) {
        #if RANET_CPU_HASWELL
            self = addingProduct(a, b)
        #else
            self += a * b
        #endif
    }
}
