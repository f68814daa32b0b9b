extension Graph {
    public func relu(_ x: Node) -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("relu", forward: true, opStart) }
        let out = output(x.shape, from: [x])
        counter?.add(flops: x.value.count)
        if performsArithmetic {
            ElementwiseKernels.reluForward(x: x.value.data, y: out.value.data, count: x.value.count)
        }
        if let probe = reluKinks, recordsGradients {
            return reluWithKinkProbe(x, out, probe)
        }
        record(out, "relu") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(x) else { return }
            ElementwiseKernels.reluBackward(y: out.value.data, dy: dy.data, dx: dx.data, count: dy.count, dxBeta: beta)
        }
        return out
    }

    private func reluWithKinkProbe(_ x: Node, _ out: Node, _ probe: ReluKinkProbe) -> Node {
        let n = x.value.count
        let xs = x.value.data
        var largest: Float = 0
        for i in 0..<n { largest = max(largest, abs(xs[i])) }
        let band = probe.relative * largest
        var ambiguous = 0
        for i in 0..<n where abs(xs[i]) < band && xs[i] != 0 { ambiguous += 1 }
        probe.found(ambiguous)
        record(out, "relu") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(x) else { return }
            for i in 0..<n {
                var pass = xs[i] > 0
                if probe.flip && abs(xs[i]) < band && xs[i] != 0 { pass.toggle() }
                let g = pass ? dy[i] : 0
                dx[i] = beta == 0 ? g : dx[i] + g
            }
        }
        return out
    }

    /// Average pooling, square window `kernel`, stride defaulting to the kernel, no padding.
    public func avgPool(_ x: Node, kernel: Int, stride: Int? = nil) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("pool", forward: true, opStart) }
        let s = try NCHW(x.shape, op: "avgPool")
        let st = stride ?? kernel
        let oh = (s.h - kernel) / st + 1
        let ow = (s.w - kernel) / st + 1
        guard kernel >= 1, st >= 1, s.h >= kernel, s.w >= kernel, oh > 0, ow > 0 else {
            throw EngineError.shape(op: "avgPool", "input \(x.shape) too small for kernel \(kernel) stride \(st)")
        }
        let out = output([s.n, s.c, oh, ow], from: [x])
        counter?.add(flops: s.n * s.c * oh * ow * kernel * kernel)
        if performsArithmetic {
            ElementwiseKernels.avgPoolForward(
                x: x.value.data, y: out.value.data, input: s, kernel: kernel, stride: st,
                outH: oh, outW: ow)
        }
        record(out, "pool") { [unowned self] dy in
            guard let dx = self.gradAccumulator(x) else { return }
            ElementwiseKernels.avgPoolBackward(
                dy: dy.data, dx: dx.data, input: s, kernel: kernel, stride: st, outH: oh, outW: ow)
        }
        return out
    }

    /// Max pooling with zero-free padding (PyTorch MaxPool2d(kernel, stride, padding)).
    public func maxPool(_ x: Node, kernel: Int, stride: Int, padding: Int) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("pool", forward: true, opStart) }
        let s = try NCHW(x.shape, op: "maxPool")
        let oh = (s.h + 2 * padding - kernel) / stride + 1
        let ow = (s.w + 2 * padding - kernel) / stride + 1
        guard kernel >= 1, stride >= 1, s.h + 2 * padding >= kernel, s.w + 2 * padding >= kernel, oh > 0, ow > 0,
            padding * 2 <= kernel
        else {
            throw EngineError.shape(
                op: "maxPool", "input \(x.shape), kernel \(kernel), stride \(stride), padding \(padding)")
        }
        let out = output([s.n, s.c, oh, ow], from: [x])
        let argTensor = values.take([s.n * s.c * oh * ow])
        let arg = UnsafeMutableRawPointer(argTensor.data).assumingMemoryBound(to: Int32.self)
        counter?.add(flops: s.n * s.c * oh * ow * kernel * kernel)
        if performsArithmetic {
            ElementwiseKernels.maxPoolForward(
                x: x.value.data, y: out.value.data, argmax: arg, input: s, kernel: kernel,
                stride: stride, padding: padding, outH: oh, outW: ow)
        }
        record(out, "pool") { [unowned self] dy in
            guard let dx = self.gradAccumulator(x) else { return }
            ElementwiseKernels.maxPoolBackward(dy: dy.data, argmax: arg, dx: dx.data, input: s, outPlane: oh * ow)
        }
        return out
    }

    /// Bilinear resize with align_corners=True; the same size returns `x` itself (an exact identity).
    /// `reserveChannels` / `slot`: as for `convBNReLU`, the width of the concatenation the output will start, or
    /// its place in one.
    public func resize(
        _ x: Node, height: Int, width: Int, reserveChannels: Int = 0, into slot: ChannelSlot? = nil
    )
        throws -> Node
    {
        let opStart = profile?.start()
        defer { profile?.stop("resize", forward: true, opStart) }
        let s = try NCHW(x.shape, op: "resize")
        guard height >= 1, width >= 1, s.h >= 1, s.w >= 1 else {
            throw EngineError.shape(op: "resize", "cannot resize \(x.shape) to \(height)x\(width)")
        }
        if s.h == height && s.w == width {
            // An identity; asked for a place in a concatenation's buffer, it is a copy into it.
            guard let slot, let placed = slot.node(x.shape, requiresGrad: recordsGradients && x.requiresGrad) else {
                return x
            }
            ElementwiseKernels.copyChannels(
                from: x.storage.data, channels: s.c, imageStride: x.imageStride,
                into: slot.buffer.tensor.data, channels: slot.buffer.shape.c,
                offset: slot.offset, batch: s.n, plane: s.plane)
            record(placed, "resize") { [unowned self] dy in
                guard let (dx, beta) = self.gradientDestination(x) else { return }
                if beta == 0 {
                    dx.copy(from: dy)
                } else {
                    ElementwiseKernels.add(dy.data, into: dx.data, count: dy.count)
                }
            }
            return placed
        }
        let out = try output([s.n, s.c, height, width], from: [x], reserveChannels: reserveChannels, into: slot)
        if performsArithmetic {
            ResizeKernels.forward(
                x: x.storage.data, imageStride: x.imageStride, y: out.storage.data,
                outputImageStride: out.imageStride, input: s, outH: height, outW: width)
        }
        record(out, "resize") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(x) else { return }
            ResizeKernels.backward(dy: dy.data, dx: dx.data, accumulate: beta != 0, input: s, outH: height, outW: width)
        }
        return out
    }

    /// Concatenation along channels; every input must share N, H and W.
    ///
    /// `reserveChannels` (the width a chain of concatenations will reach, e.g. a dense block's output) lets a graph
    /// append in place: the first concatenation of the chain allocates that many channels per image, and each
    /// later one whose first input is the chain's newest node copies only its other inputs (none when they were
    /// written into their slots, see `slot`). Without it every concatenation copies all its inputs into a new
    /// tensor. Backward is the same either way: each input gets its slice of the output's gradient.
    public func concat(_ xs: [Node], reserveChannels: Int = 0) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("concat", forward: true, opStart) }
        guard let first = xs.first else { throw EngineError.invalidArgument(op: "concat", "no inputs") }
        if xs.count == 1 { return first }
        let s0 = try NCHW(first.shape, op: "concat")
        var channels = 0
        for x in xs {
            let s = try NCHW(x.shape, op: "concat")
            guard s.n == s0.n, s.h == s0.h, s.w == s0.w else {
                throw EngineError.shape(op: "concat", "\(first.shape) and \(x.shape) differ outside the channel axis")
            }
            channels += s.c
        }
        var offsets: [Int] = []
        var offset = 0
        for x in xs {
            offsets.append(offset)
            offset += x.shape[1]
        }
        let out: Node
        if concatenatesInPlace,
            let appended = try appendInPlace(xs, NCHW(s0.n, channels, s0.h, s0.w), reserve: reserveChannels)
        {
            out = appended
        } else {
            out = output([s0.n, channels, s0.h, s0.w], from: xs)
            if performsArithmetic {
                for (x, offset) in zip(xs, offsets) {
                    ElementwiseKernels.copyChannels(
                        from: x.storage.data, channels: x.shape[1], imageStride: x.imageStride,
                        into: out.value.data, channels: channels, offset: offset,
                        batch: s0.n, plane: s0.plane)
                }
            }
        }
        record(out, "concat") { [unowned self] dy in
            for (x, offset) in zip(xs, offsets) {
                guard let (dx, beta) = self.gradientDestination(x) else { continue }
                ElementwiseKernels.sliceChannelsBackward(
                    dy: dy.data, channels: channels, offset: offset, into: dx.data,
                    channels: x.shape[1], batch: s0.n, plane: s0.plane, dxBeta: beta)
            }
        }
        return out
    }

    /// The in-place concatenation (see `concat`), or nil when neither the first input's buffer has room behind it nor
    /// a reservation covers the result. Copying the dense blocks' growing feature maps at every concatenation is a
    /// large share of an evaluation pass.
    private func appendInPlace(_ xs: [Node], _ out: NCHW, reserve: Int) throws -> Node? {
        let head = xs[0]
        var buffer: ChannelBuffer
        var sources = xs[...]
        var offset = 0
        if let b = head.channelBuffer, head.channelOffset == 0, b.shape.c >= out.c,
            case let placed = Self.alreadyPlaced(xs, in: b), b.filled == head.shape[1] + placed.channels
        {
            // Inputs written into their slots behind the head (see `slot`) are in place; the rest are copied.
            buffer = b
            sources = xs.dropFirst(1 + placed.inputs)
            offset = head.shape[1] + placed.channels
        } else if reserve >= out.c {
            buffer = try ChannelBuffer(output([out.n, reserve, out.h, out.w], from: []))
        } else {
            return nil
        }
        for x in sources {
            ElementwiseKernels.copyChannels(
                from: x.storage.data, channels: x.shape[1], imageStride: x.imageStride,
                into: buffer.tensor.data, channels: buffer.shape.c, offset: offset,
                batch: out.n, plane: out.plane)
            offset += x.shape[1]
        }
        buffer.filled = out.c
        return Node(
            channelsOf: buffer, channels: out.c, requiresGrad: recordsGradients && xs.contains { $0.requiresGrad })
    }

    /// How many inputs after the head already sit in `buffer` right behind it and each other, and their channels.
    private static func alreadyPlaced(_ xs: [Node], in buffer: ChannelBuffer) -> (inputs: Int, channels: Int) {
        var position = xs[0].shape[1]
        var count = 0
        for x in xs.dropFirst() {
            guard x.channelBuffer === buffer, x.channelOffset == position else { break }
            position += x.shape[1]
            count += 1
        }
        return (count, position - xs[0].shape[1])
    }
}
