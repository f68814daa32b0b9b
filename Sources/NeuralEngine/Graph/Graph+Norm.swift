/// BatchNorm2d's parameters and running statistics (reference names: weight, bias, running_mean, running_var).
public struct BatchNorm2d: Sendable {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVar: Buffer
    public var momentum: Float = 0.1
    public var eps: Float = 1e-5

    /// Registers `prefix.weight` (ones), `prefix.bias`, `prefix.running_mean` (zeros), `prefix.running_var` (ones).
    public init(_ store: ParameterStore, _ prefix: String, channels: Int) {
        weight = store.parameter(prefix + ".weight", [channels])
        weight.value.fill(1)
        bias = store.parameter(prefix + ".bias", [channels])
        runningMean = store.buffer(prefix + ".running_mean", [channels])
        runningVar = store.buffer(prefix + ".running_var", [channels], fill: 1)
    }

    public var channels: Int { weight.value.count }
}

extension Graph {
    /// Batch normalisation: batch statistics in training mode (updating the running ones), running ones otherwise.
    public func batchNorm(_ x: Node, _ bn: BatchNorm2d) throws -> Node { try batchNorm(x, bn, relu: false) }

    /// relu(batchNorm(x)) with the ReLU folded into the normalisation's output pass (every conv block of RANet and
    /// MSDNet ends so): no separate ReLU sweep forward and no buffer for the pre-ReLU values; backward masks dy once,
    /// as the separate ReLU did. Evaluation-mode backward and the parity checks' kink probe take the two separate ops.
    ///
    /// `reserveChannels` / `slot`: as for `convBNReLU`, the width of the concatenation the output starts, or its place
    /// in one (the separate ops of the parity probe write a plain output).
    public func batchNormReLU(
        _ x: Node, _ bn: BatchNorm2d, reserveChannels: Int = 0, into slot: ChannelSlot? = nil
    )
        throws -> Node
    {
        if reluKinks != nil || (!training && recordsGradients) { return relu(try batchNorm(x, bn)) }
        counter?.add(flops: x.shape.reduce(1, *))  // the cost model counts ReLU elements
        return try batchNorm(x, bn, relu: true, reserveChannels: reserveChannels, into: slot)
    }

    private func batchNorm(
        _ x: Node, _ bn: BatchNorm2d, relu: Bool, reserveChannels: Int = 0,
        into slot: ChannelSlot? = nil
    ) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("batchnorm", forward: true, opStart) }
        let op = "batchNorm(\(bn.weight.name))"
        let s = try NCHW(x.shape, op: op)
        guard s.c == bn.channels else {
            throw EngineError.shape(op: op, "input \(x.shape) has \(s.c) channels, the layer \(bn.channels)")
        }
        let gNode = parameter(bn.weight)
        let bNode = parameter(bn.bias)
        let out = try output(x.shape, from: [x, gNode], reserveChannels: reserveChannels, into: slot)
        counter?.add(flops: 0, params: 2 * bn.channels)
        if !performsArithmetic { return out }
        if training, let replica {
            try batchNormSynced(
                x, bn, relu: relu, out: out, gNode: gNode, bNode: bNode, shape: s, replica: replica, op: op)
        } else if training {
            guard s.n * s.plane > 1 else {
                throw EngineError.shape(op: op, "training needs more than one value per channel, got \(x.shape)")
            }
            let mean = values.take([s.c])
            let invStd = values.take([s.c])
            BatchNormKernels.forwardTraining(
                x: x.value.data, y: out.storage.data, yImageStride: out.imageStride, shape: s,
                gamma: bn.weight.value.data,
                beta: bn.bias.value.data, runningMean: bn.runningMean.value.data,
                runningVar: bn.runningVar.value.data, saveMean: mean.data,
                saveInvStd: invStd.data, momentum: bn.momentum, eps: bn.eps, relu: relu)
            record(out, "batchnorm") { [unowned self] dy in
                let dx = self.gradientDestination(x)
                let g = relu ? self.reluMasked(dy, by: out) : dy
                BatchNormKernels.backwardTraining(
                    x: x.value.data, dy: g.data, shape: s, gamma: bn.weight.value.data,
                    mean: mean.data, invStd: invStd.data, dGamma: gNode.grad!.data,
                    dBeta: bNode.grad!.data, dx: dx?.0.data, dxBeta: dx?.1 ?? 0)
                if relu { self.gradients.release(g) }
            }
        } else {
            BatchNormKernels.forwardInference(
                x: x.value.data, y: out.storage.data, yImageStride: out.imageStride, shape: s,
                gamma: bn.weight.value.data,
                beta: bn.bias.value.data, runningMean: bn.runningMean.value.data,
                runningVar: bn.runningVar.value.data, eps: bn.eps, relu: relu)
            record(out, "batchnorm") { [unowned self] dy in
                let dx = self.gradientDestination(x)
                BatchNormKernels.backwardInference(
                    x: x.value.data, dy: dy.data, shape: s, gamma: bn.weight.value.data,
                    runningMean: bn.runningMean.value.data,
                    runningVar: bn.runningVar.value.data, eps: bn.eps,
                    dGamma: gNode.grad!.data, dBeta: bNode.grad!.data,
                    dx: dx?.0.data, dxBeta: dx?.1 ?? 0)
            }
        }
        return out
    }

    /// Training-mode batch norm of one replica's part with the whole batch's statistics (`ReplicaGroup`).
    private func batchNormSynced(
        _ x: Node, _ bn: BatchNorm2d, relu: Bool, out: Node, gNode: Node, bNode: Node,
        shape s: NCHW, replica: Replica, op: String
    ) throws {
        let mean = values.take([s.c])
        let invStd = values.take([s.c])
        let statistics = BatchNormKernels.forwardTrainingSynced(
            x: x.value.data, y: out.storage.data, yImageStride: out.imageStride, shape: s, gamma: bn.weight.value.data,
            beta: bn.bias.value.data,
            runningMean: bn.runningMean.value.data, runningVar: bn.runningVar.value.data, saveMean: mean.data,
            saveInvStd: invStd.data, momentum: bn.momentum, eps: bn.eps, relu: relu, replica: replica)
        let count: Int
        switch statistics {
        case .aborted: throw EngineError.replicaAborted(op: op)
        case .tooFewValues:
            throw EngineError.shape(op: op, "training needs more than one value per channel, got \(x.shape) in all")
        case .done(let total): count = total
        }
        record(out, "batchnorm") { [unowned self] dy in
            let dx = self.gradientDestination(x)
            let g = relu ? self.reluMasked(dy, by: out) : dy
            // On failure another replica has thrown; the step is abandoned, so there is nothing to repair here.
            _ = BatchNormKernels.backwardTrainingSynced(
                x: x.value.data, dy: g.data, shape: s, gamma: bn.weight.value.data, mean: mean.data,
                invStd: invStd.data, count: count, dGamma: gNode.grad!.data, dBeta: bNode.grad!.data,
                dx: dx?.0.data, dxBeta: dx?.1 ?? 0, replica: replica)
            if relu { self.gradients.release(g) }
        }
    }

    /// The gradient reaching a fused BN+ReLU's normalisation: dy where the output is positive, in a buffer the caller
    /// releases. One whole-tensor SIMD sweep, or one per image when the output lies in a wider channel buffer (per
    /// plane inside BN's loops it was slower on the 2x2 to 7x7 planes of the classifiers).
    private func reluMasked(_ dy: Tensor, by out: Node) -> Tensor {
        let g = gradients.take(dy.shape)
        if out.isDense {
            ElementwiseKernels.reluBackward(y: out.storage.data, dy: dy.data, dx: g.data, count: dy.count, dxBeta: 0)
        } else {
            let n = dy.shape[0]
            let perImage = dy.count / max(n, 1)
            for img in 0..<n {
                ElementwiseKernels.reluBackward(
                    y: out.storage.data + img * out.imageStride, dy: dy.data + img * perImage,
                    dx: g.data + img * perImage, count: perImage, dxBeta: 0)
            }
        }
        return g
    }
}
