/// 1x1 convolutions with few output channels: the bottlenecks of dense layers whose growth is small (68->5 at
/// 32x32 in cifar10-paper). As GEMMs every pass has a dimension of 1 to 8 (M forward, K for dx, M again for dW),
/// far narrower than the blocks sgemm's kernels are built for. Here a block of up to five output rows (two 8-wide chunks each, `DirectConv`'s
/// blocks) is summed in registers over `rowsPerPass` input rows at a time, tile by tile of the plane; dW pairs two
/// input channels against the block's gradient rows. On planes that do not fit the caches these convs are bound by
/// memory (one to eight multiply-adds per float read), whatever computes them.
///
/// Works one image at a time on the calling thread, like `DirectConv`.
enum NarrowPointwiseConv {
    typealias Lanes = SIMD8<Float>
    static let lanes = 8

    // The shapes it takes are `ConvAlgorithm.isNarrowPointwise`.

    /// y (+)= w * x for every image: y[m][p] = sum over c of w[m][c] * x[c][p].
    static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        geometry g: ConvGeometry, accumulate: Bool, epilogue: ChannelAffine?,
        pairsChunks: Bool = DirectConv.pairsChunksByDefault
    ) {
        let (C, M, P) = (g.input.c, g.outChannels, g.outPlane)
        for img in 0..<g.input.n {
            let out = y + img * g.outputImageStride
            forEachBlock(of: M) { m0, block in
                mix(
                    block, rows: x + img * g.inputImageStride, count: C, plane: P,
                    weights: WeightLayout(base: weight + m0 * C, outputStride: C, rowStride: 1),
                    into: out + m0 * P, accumulate: accumulate, pairsChunks: pairsChunks)
            }
            epilogue?.apply(inPlace: out, channels: M, plane: P)
        }
    }

    /// dW += sum over images and pixels of dy[m] * x[c]; dx (+)= w' * dy (dx[c][p] = sum over m of w[m][c] * dy[m][p]).
    static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, dxBeta: Float,
        geometry g: ConvGeometry, pairsChunks: Bool = DirectConv.pairsChunksByDefault
    ) {
        let (C, M, P) = (g.input.c, g.outChannels, g.outPlane)
        for img in 0..<g.input.n {
            let grad = dy + img * M * P
            let input = x + img * g.inputImageStride
            var c = 0
            while c < C {
                let two = c + 1 < C
                forEachBlock(of: M) { m0, block in
                    weightGradient(
                        block, grad: grad + m0 * P, input: input + c * P, secondInput: two ? input + (c + 1) * P : nil,
                        plane: P, into: dWeight + m0 * C + c, outputStride: C)
                }
                c += two ? 2 : 1
            }
            guard let dx else { continue }
            forEachBlock(of: C) { c0, block in
                mix(
                    block, rows: grad, count: M, plane: P,
                    weights: WeightLayout(base: weight + c0, outputStride: 1, rowStride: C),
                    into: dx + img * C * P + c0 * P, accumulate: dxBeta != 0, pairsChunks: pairsChunks)
            }
        }
    }

    /// Calls `body(first, width)` for `DirectConv`'s balanced blocks of `count` channels.
    @inline(__always) static func forEachBlock(of count: Int, _ body: (Int, Int) -> Void) {
        var first = 0
        while first < count {
            let block = DirectConv.blockSize(count, from: first)
            body(first, block)
            first += block
        }
    }

    /// Where the weight of output `j` for input row `r` is: base[j * outputStride + r * rowStride].
    struct WeightLayout {
        let base: UnsafePointer<Float>
        let outputStride: Int
        let rowStride: Int
    }

    /// out[j][p] (+)= sum over r < count of weight(j, r) * rows[r][p] for the `block` outputs j (planes `plane` apart).
    @inline(__always) static func mix(
        _ block: Int, rows: UnsafePointer<Float>, count: Int, plane: Int, weights: WeightLayout,
        into out: UnsafeMutablePointer<Float>, accumulate: Bool, pairsChunks: Bool
    ) {
        switch block {
        case 1: mix(DirectConv.Width1.self, rows, count, plane, weights, out, accumulate, pairsChunks)
        case 2: mix(DirectConv.Width2.self, rows, count, plane, weights, out, accumulate, pairsChunks)
        case 3: mix(DirectConv.Width3.self, rows, count, plane, weights, out, accumulate, pairsChunks)
        case 4: mix(DirectConv.Width4.self, rows, count, plane, weights, out, accumulate, pairsChunks)
        default: mix(DirectConv.Width5.self, rows, count, plane, weights, out, accumulate, pairsChunks)
        }
    }

    /// Input rows summed per pass over a tile: each is a stream the prefetchers must follow, and the block's sums go
    /// back to the output between passes; eight balance the two (docs/performance.md has the figures).
    static let rowsPerPass = 8
    /// Pixels per tile, a multiple of two vectors: a block's partial sums for a tile (5 x 2 KB) stay in L1 between
    /// passes.
    static let tilePixels = 512

    @inline(__always) static func mix<B: DirectConv.BlockWidth>(
        _: B.Type, _ rows: UnsafePointer<Float>, _ count: Int, _ plane: Int, _ weights: WeightLayout,
        _ out: UnsafeMutablePointer<Float>, _ accumulate: Bool, _ pairsChunks: Bool
    ) {
        var t0 = 0
        while t0 < plane {
            let t1 = min(plane, t0 + tilePixels)
            var r0 = 0
            while r0 < count {
                let r1 = min(count, r0 + rowsPerPass)
                mixPass(
                    B.self, rows, r0..<r1, plane, t0..<t1, weights, out, accumulate || r0 > 0, pairsChunks)
                r0 = r1
            }
            t0 = t1
        }
    }

    /// out[j][p] (+)= the sums over rows `rowRange` for pixels `pixels` of one tile.
    @inline(__always) static func mixPass<B: DirectConv.BlockWidth>(
        _: B.Type, _ rows: UnsafePointer<Float>, _ rowRange: Range<Int>, _ plane: Int, _ pixels: Range<Int>,
        _ weights: WeightLayout, _ out: UnsafeMutablePointer<Float>, _ accumulate: Bool, _ pairsChunks: Bool
    ) {
        let block = B.value
        let (w, os, rs) = (weights.base, weights.outputStride, weights.rowStride)
        var p = pixels.lowerBound
        while p + lanes <= pixels.upperBound {
            let two = pairsChunks && p + 2 * lanes <= pixels.upperBound
            var sums = DirectConv.BlockSums()
            for r in rowRange {
                let row = rows + r * plane + p
                let v = UnsafeRawPointer(row).loadUnaligned(as: Lanes.self)
                let u = two ? UnsafeRawPointer(row + lanes).loadUnaligned(as: Lanes.self) : v
                let wr = w + r * rs
                sums.add(block, v, u) { wr[$0 * os] }
            }
            sums.store(.first, block, out, p, plane, plane, accumulate)
            if two { sums.store(.second, block, out, p + lanes, plane, plane, accumulate) }
            p += two ? 2 * lanes : lanes
        }
        // The plane's last values (fewer than a vector).
        for j in 0..<block {
            for q in p..<pixels.upperBound {
                var s: Float = 0
                for r in rowRange { s += w[j * os + r * rs] * rows[r * plane + q] }
                out[j * plane + q] = accumulate ? out[j * plane + q] + s : s
            }
        }
    }

    /// dW[j][0] (and dW[j][1] with `secondInput`) += this image's sum over pixels of grad[j] * input (secondInput),
    /// for the `block` outputs j (grad planes `plane` apart, dW rows `outputStride` apart): one load of each gradient
    /// chunk serves two input channels.
    @inline(__always) static func weightGradient(
        _ block: Int, grad: UnsafePointer<Float>, input: UnsafePointer<Float>, secondInput: UnsafePointer<Float>?,
        plane: Int, into dWeight: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        switch block {
        case 1: weightGradient(DirectConv.Width1.self, grad, input, secondInput, plane, dWeight, outputStride)
        case 2: weightGradient(DirectConv.Width2.self, grad, input, secondInput, plane, dWeight, outputStride)
        case 3: weightGradient(DirectConv.Width3.self, grad, input, secondInput, plane, dWeight, outputStride)
        case 4: weightGradient(DirectConv.Width4.self, grad, input, secondInput, plane, dWeight, outputStride)
        default: weightGradient(DirectConv.Width5.self, grad, input, secondInput, plane, dWeight, outputStride)
        }
    }

    @inline(__always) static func weightGradient<B: DirectConv.BlockWidth>(
        _: B.Type, _ grad: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ secondInput: UnsafePointer<Float>?,
        _ plane: Int, _ dWeight: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let block = B.value
        // Without a second channel its sums read the first one again and are dropped.
        let second = secondInput ?? input
        var sums = DirectConv.BlockSums()
        var p = 0
        while p + lanes <= plane {
            let x0 = UnsafeRawPointer(input + p).loadUnaligned(as: Lanes.self)
            let x1 = UnsafeRawPointer(second + p).loadUnaligned(as: Lanes.self)
            sums.add(block, x0, x1) { UnsafeRawPointer(grad + $0 * plane + p).loadUnaligned(as: Lanes.self) }
            p += lanes
        }
        @inline(__always) func add(_ j: Int, _ first: Lanes, _ second: Lanes) {
            let g = grad + j * plane
            var s0 = first.sum()
            var s1 = second.sum()
            for q in p..<plane {
                s0 += g[q] * input[q]
                if let secondInput { s1 += g[q] * secondInput[q] }
            }
            dWeight[j * outputStride] += s0
            if secondInput != nil { dWeight[j * outputStride + 1] += s1 }
        }
        sums.forEach(block, add)
    }
}
