extension Graph {
    /// 2-D convolution, weight OIHW, optional bias.
    public func conv2d(
        _ x: Node, weight: Parameter, bias: Parameter? = nil, stride: Int = 1, padding: Int = 0
    ) throws -> Node {
        try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, epilogue: nil)
    }

    /// relu(batchNorm(conv2d(x))), the unit every RANet and MSDNet layer is built from. An inference graph (no
    /// training, no gradients) applies the batch norm, the bias and the ReLU to the convolution's output as it is
    /// written, instead of in a pass over a second buffer.
    ///
    /// `reserveChannels`: the width of the concatenation this output will start (see `concat`); an inference graph
    /// then writes the output into the first channels of a buffer that wide, so the concatenation appends behind it
    /// instead of copying it. `slot`: where in such a buffer the output goes instead (see `slot(after:)`).
    public func convBNReLU(
        _ x: Node, weight: Parameter, bias: Parameter? = nil, stride: Int = 1, padding: Int = 0,
        _ bn: BatchNorm2d, reserveChannels: Int = 0, into slot: ChannelSlot? = nil
    ) throws -> Node {
        guard !training, !recordsGradients, performsArithmetic, reluKinks == nil else {
            return try batchNormReLU(
                try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding), bn,
                reserveChannels: reserveChannels, into: slot)
        }
        let m = bn.channels
        guard weight.shape.first == m else {
            throw EngineError.shape(
                op: "batchNorm(\(bn.weight.name))",
                "conv \(weight.name) has \(weight.shape.first ?? 0) "
                    + "output channels, the layer \(m)")
        }
        return try withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * m) { buffer in
            let scale = buffer.baseAddress!
            let shift = scale + m
            let gamma = bn.weight.value.data
            let beta = bn.bias.value.data
            let mean = bn.runningMean.value.data
            let variance = bn.runningVar.value.data
            let b = bias?.value.data
            for c in 0..<m {
                (scale[c], shift[c]) = BatchNormKernels.inferenceAffine(
                    gamma[c], beta[c], mean: mean[c],
                    variance: variance[c], eps: bn.eps,
                    bias: b?[c] ?? 0)
            }
            let out = try conv2d(
                x, weight: weight, bias: bias, stride: stride, padding: padding,
                epilogue: ChannelAffine(scale: scale, shift: shift, relu: true),
                reserveChannels: reserveChannels, into: slot)
            counter?.add(flops: out.shape.reduce(1, *), params: 2 * m)  // as batchNormReLU counts
            return out
        }
    }

    func conv2d(
        _ x: Node, weight: Parameter, bias: Parameter?, stride: Int, padding: Int,
        epilogue: ChannelAffine?, reserveChannels: Int = 0, into slot: ChannelSlot? = nil
    ) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("conv", forward: true, opStart) }
        let op = "conv2d(\(weight.name))"
        let s = try NCHW(x.shape, op: op)
        let ws = weight.shape
        guard ws.count == 4, ws[1] == s.c else {
            throw EngineError.shape(op: op, "input \(x.shape) vs weight \(ws): input channels must equal weight dim 1")
        }
        if let bias, bias.shape != [ws[0]] {
            throw EngineError.shape(op: op, "bias \(bias.shape) vs weight \(ws)")
        }
        guard stride >= 1, padding >= 0 else {
            throw EngineError.invalidArgument(op: op, "stride \(stride), padding \(padding)")
        }
        var g = ConvGeometry(
            input: s, outChannels: ws[0], kernelH: ws[2], kernelW: ws[3], stride: stride, padding: padding,
            inputImageStride: x.imageStride)
        guard s.h + 2 * padding >= ws[2], s.w + 2 * padding >= ws[3], g.outH > 0, g.outW > 0 else {
            throw EngineError.shape(op: op, "input \(x.shape) too small for kernel \(ws[2])x\(ws[3]) stride \(stride)")
        }
        let wNode = parameter(weight)
        let bNode = bias.map { parameter($0) }
        let out = try output(g.output.array, from: [x, wNode], reserveChannels: reserveChannels, into: slot)
        g.outputImageStride = out.imageStride
        counter?.add(flops: g.macs, params: weight.value.count + (bias?.value.count ?? 0))
        // Keep the column matrix for backward when forward builds one for the whole batch (`keepsColumns`).
        let keptColumns =
            out.requiresGrad && performsArithmetic && ConvAlgorithm.keepsColumns(g)
            ? values.take([g.patch * g.input.n * g.outPlane]) : nil
        let shape = profile.map { _ in "\(ws[2])x\(ws[3])/\(stride) \(s.c)->\(ws[0]) at \(s.h)x\(s.w)" }
        if performsArithmetic {
            let kernelStart = profile?.start()
            let gemmBefore = GEMMClock.seconds
            ConvKernels.forward(
                x: x.storage.data, weight: weight.value.data, bias: epilogue == nil ? bias?.value.data : nil,
                y: out.storage.data, geometry: g, scratch: scratch, keepColumns: keptColumns?.data,
                epilogue: epilogue)
            if let shape { profile?.noteConv(shape, forward: true, kernelStart, gemmBefore: gemmBefore, macs: g.macs) }
        }
        // Backward reads x where it lies (maybe a view into a concatenation's buffer); dy is dense.
        var backwardGeometry = g
        backwardGeometry.outputImageStride = g.outChannels * g.outPlane
        record(out, "conv") { [unowned self] dy in
            let dx = self.gradientDestination(x)
            let kernelStart = self.profile?.start()
            let gemmBefore = GEMMClock.seconds
            ConvKernels.backward(
                x: x.storage.data, weight: weight.value.data, dy: dy.data, dWeight: wNode.grad!.data,
                dBias: bNode?.grad!.data, dx: dx?.0.data, dxBeta: dx?.1 ?? 0, geometry: backwardGeometry,
                scratch: self.scratch, savedColumns: keptColumns.map { UnsafePointer($0.data) })
            if let shape {
                self.profile?.noteConv(
                    shape, forward: false, kernelStart, gemmBefore: gemmBefore, macs: g.macs * (dx == nil ? 1 : 2))
            }
        }
        return out
    }

    /// Fully connected layer on the flattened input (N, everything else).
    public func linear(_ x: Node, weight: Parameter, bias: Parameter?) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("linear", forward: true, opStart) }
        let op = "linear(\(weight.name))"
        let n = x.shape.first ?? 0
        let inF = x.value.count / max(n, 1)
        guard weight.shape.count == 2, weight.shape[1] == inF else {
            throw EngineError.shape(op: op, "input \(x.shape) (\(inF) features) vs weight \(weight.shape)")
        }
        let outF = weight.shape[0]
        let wNode = parameter(weight)
        let bNode = bias.map { parameter($0) }
        let out = output([n, outF], from: [x, wNode])
        counter?.add(
            flops: n * (outF * inF + (bias == nil ? 0 : outF)), params: weight.value.count + (bias?.value.count ?? 0))
        if performsArithmetic {
            DenseKernels.linearForward(
                x: x.value.data, weight: weight.value.data, bias: bias?.value.data,
                y: out.value.data, batch: n, inFeatures: inF, outFeatures: outF)
        }
        record(out, "linear") { [unowned self] dy in
            let dx = self.gradientDestination(x)
            DenseKernels.linearBackward(
                x: x.value.data, weight: weight.value.data, dy: dy.data, dWeight: wNode.grad!.data,
                dBias: bNode?.grad!.data, dx: dx?.0.data, dxBeta: dx?.1 ?? 0,
                batch: n, inFeatures: inF, outFeatures: outF)
        }
        return out
    }
}
