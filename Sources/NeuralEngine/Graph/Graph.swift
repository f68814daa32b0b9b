import Dispatch

/// A value flowing through a graph, with its gradient once backward reaches it.
public final class Node: @unchecked Sendable {
    /// What the ops read. For a concatenation appended in place (see `ChannelBuffer`) this is a view into a wider
    /// channel buffer whose images lie `imageStride` floats apart; `value` is then a dense copy. (Gradients are always
    /// dense, of `shape`.)
    let storage: Tensor
    /// Floats between consecutive images of `storage` (C*H*W unless the node lives in a wider channel buffer).
    let imageStride: Int
    /// The shared buffer of a concatenation appended in place; nodes viewing it keep it alive.
    let channelBuffer: ChannelBuffer?
    /// The first of the buffer's channels this node views (0 for a concatenation; more for an output written
    /// straight into its place behind another node, see `Graph.slot`).
    let channelOffset: Int
    private var denseCopy: Tensor?
    /// Gradient storage; for parameters this is the parameter's own (accumulating) gradient.
    var grad: Tensor?
    /// False until something has written `grad` this step, so the first writer overwrites instead of adding.
    var gradWritten = false
    let requiresGrad: Bool
    let accumulatesIntoParameter: Bool

    /// For activations of inference graphs: the pool `value` came from and when, so the node can hand it back.
    private let recycle: (pool: BufferPool, generation: Int)?

    init(
        value: Tensor, requiresGrad: Bool, parameterGrad: Tensor? = nil,
        recycle: (pool: BufferPool, generation: Int)? = nil
    ) {
        storage = value
        imageStride = value.rank >= 1 ? value.shape.dropFirst().reduce(1, *) : 1
        channelBuffer = nil
        channelOffset = 0
        self.requiresGrad = requiresGrad
        grad = parameterGrad
        gradWritten = parameterGrad != nil
        accumulatesIntoParameter = parameterGrad != nil
        self.recycle = recycle
    }

    /// Channels offset ..< offset+channels of `buffer`.
    init(channelsOf buffer: ChannelBuffer, offset: Int = 0, channels: Int, requiresGrad: Bool = false) {
        let s = buffer.shape
        storage = Tensor(viewOf: buffer.tensor, offset: offset * s.plane, shape: [s.n, channels, s.h, s.w])
        imageStride = s.c * s.plane
        channelBuffer = buffer
        channelOffset = offset
        self.requiresGrad = requiresGrad
        accumulatesIntoParameter = false
        recycle = nil
    }

    deinit { if let recycle { recycle.pool.release(storage, generation: recycle.generation) } }

    /// Whether the images of `storage` are contiguous (every node but a view into a wider channel buffer).
    var isDense: Bool { channelBuffer == nil || storage.shape[1] == channelBuffer!.shape.c }

    /// The node's values as a dense tensor (a copy, made once, for a view into a wider channel buffer).
    public var value: Tensor {
        if isDense { return storage }
        if let denseCopy { return denseCopy }
        let copy = Tensor(zeros: storage.shape)
        let n = storage.shape[0]
        let perImage = copy.count / max(n, 1)
        for img in 0..<n {
            (copy.data + img * perImage).update(from: storage.data + img * imageStride, count: perImage)
        }
        denseCopy = copy
        return copy
    }

    public var shape: [Int] { storage.shape }
    /// The gradient accumulated by the last backward pass (nil when none reached this node). Gradients of op outputs
    /// are handed back for reuse once backward has passed them (see `BufferPool`): this is for inputs and
    /// parameters, and for an op's output only until backward reaches that op.
    public var gradient: Tensor? { gradWritten ? grad : nil }
}

/// Channels of a `ChannelBuffer` set aside for one op's output (see `Graph.slot`).
public struct ChannelSlot {
    let buffer: ChannelBuffer
    let offset: Int
    let channels: Int

    /// The output node in the slot, or nil when `shape` does not fit it (the op then writes a plain output).
    func node(_ shape: [Int], requiresGrad: Bool = false) -> Node? {
        let s = buffer.shape
        guard shape == [s.n, channels, s.h, s.w] else { return nil }
        return Node(channelsOf: buffer, offset: offset, channels: channels, requiresGrad: requiresGrad)
    }
}

/// Storage of a concatenation that grows by appending (dense blocks in inference graphs): room for `shape.c`
/// channels per image, of which the first `filled` are written. A concatenation whose first input is the newest view
/// of such a buffer copies only the other inputs, behind it, instead of the whole growing feature map again.
final class ChannelBuffer {
    /// The full-width activation holding the storage: it goes back to the inference pool when the last view goes.
    private let owner: Node
    let shape: NCHW
    var filled = 0

    init(_ owner: Node) throws {
        self.owner = owner
        shape = try NCHW(owner.shape, op: "concat")
    }

    var tensor: Tensor { owner.storage }
}

/// A recorded forward pass (a tape) whose backward runs the recorded closures in reverse.
///
/// Activations come from a planned arena: call `reset()` before each step and the same sequence of ops reuses the
/// same storage, so a training loop allocates only on its first step.
public final class Graph: @unchecked Sendable {
    /// Training mode: BatchNorm uses batch statistics and updates its running estimates; ops record backward steps.
    public var training: Bool
    /// Whether ops record their backward (off for pure inference).
    public var recordsGradients: Bool
    /// When false, ops only work out output shapes (and count costs): a dry run for the cost model.
    public var computes = true
    /// Receives the cost of every op while set.
    public var counter: OpCounter?
    /// For parity checks only: ReLU inputs within `relative * max|input|` of zero are undecidable at float precision;
    /// when `flip` is set their gradient decision is inverted, and every such element is counted in `count`.
    public var reluKinks: ReluKinkProbe?
    /// Accumulates wall time per op kind, forward and backward, while set (for the benchmark's breakdown).
    public var profile: OpProfile?
    /// Set when this graph runs one part of a batch beside other replicas (data-parallel training): batch norms then
    /// use the whole batch's statistics, and parameter gradients of ranks above 0 go to the replica's own buffers.
    public var replica: Replica?
    let values = Arena()
    let gradients = BufferPool()
    /// Activations of graphs that record no backward: each is handed back when its node goes away, so an evaluation
    /// pass holds only the activations still referenced, not every activation of the pass.
    let inferenceValues = BufferPool()
    let scratch = Scratch()
    var tape: [() -> Void] = []

    public init(training: Bool, recordsGradients: Bool? = nil) {
        self.training = training
        self.recordsGradients = recordsGradients ?? training
    }

    /// Forgets the previous pass; its tensors are reused by the next one. A replica's own gradients start again at 0
    /// (rank 0's are the parameters', which the caller zeroes).
    public func reset() {
        values.reset()
        gradients.reset()
        inferenceValues.reset()
        tape.removeAll(keepingCapacity: true)
        replica?.zeroLocalGradients()
    }

    public var arenaBytes: Int { values.bytes + gradients.bytes + inferenceValues.bytes }
    /// Bytes of gradient buffers (reused within a step as backward goes).
    public var gradientBytes: Int { gradients.bytes }

    /// An input that needs no gradient (images).
    public func input(_ tensor: Tensor) -> Node { Node(value: tensor, requiresGrad: false) }

    /// A copy of `tensor` into the arena (so callers may reuse their buffer).
    public func constant(_ tensor: Tensor) -> Node {
        let t = values.take(tensor.shape)
        t.copy(from: tensor)
        return Node(value: t, requiresGrad: false)
    }

    /// A parameter as a graph node: backward adds into `parameter.grad`.
    public func parameter(_ p: Parameter) -> Node {
        Node(value: p.value, requiresGrad: recordsGradients, parameterGrad: replica?.gradient(for: p) ?? p.grad)
    }

    func output(_ shape: [Int], from inputs: [Node]) -> Node {
        if !recordsGradients {
            return Node(
                value: inferenceValues.take(shape), requiresGrad: false,
                recycle: (inferenceValues, inferenceValues.generation))
        }
        return Node(value: values.take(shape), requiresGrad: inputs.contains { $0.requiresGrad })
    }

    /// An output that convs and resize can write straight into the first channels of a wider buffer: in an inference
    /// graph, with `reserveChannels` beyond the output's own, a channel buffer that wide whose first channels are
    /// the output, so the concatenation it starts appends behind it (see `concat`). Otherwise a plain output.
    func output(_ shape: [Int], from inputs: [Node], reserveChannels: Int, into slot: ChannelSlot? = nil) throws -> Node
    {
        let requiresGrad = recordsGradients && inputs.contains { $0.requiresGrad }
        if let slot, let placed = slot.node(shape, requiresGrad: requiresGrad) { return placed }
        guard concatenatesInPlace, shape.count == 4, reserveChannels > shape[1] else {
            return output(shape, from: inputs)
        }
        let buffer = try ChannelBuffer(output([shape[0], reserveChannels, shape[2], shape[3]], from: []))
        buffer.filled = shape[1]
        return Node(channelsOf: buffer, channels: shape[1], requiresGrad: requiresGrad)
    }

    /// Whether concatenations may append in place and ops write into reserved channel buffers (graphs that compute,
    /// unless `copiesConcatenations`). Training graphs too: a concatenation's backward only slices its gradient, and
    /// the ops reading such views (convs, resize, concat) take their strides forward and backward.
    public var concatenatesInPlace: Bool { computes && !copiesConcatenations }

    /// Makes every concatenation copy its inputs (for tests comparing the two ways).
    public var copiesConcatenations = false

    /// In an inference graph, room for `channels` channels right behind `head` and `skipping` more channels of
    /// the buffer `head` starts (nil when there is none): an op given the slot writes its output there, so a
    /// concatenation [head, ..., that output] finds it in place and copies nothing. The room is claimed at once, so
    /// no other concatenation on `head` can write over it.
    public func slot(after head: Node, skipping: Int = 0, channels: Int) -> ChannelSlot? {
        guard concatenatesInPlace, let buffer = head.channelBuffer, head.channelOffset == 0 else { return nil }
        let offset = head.shape[1] + skipping
        guard buffer.filled == offset, offset + channels <= buffer.shape.c else { return nil }
        buffer.filled = offset + channels
        return ChannelSlot(buffer: buffer, offset: offset, channels: channels)
    }

    /// Registers a backward step for `out`; it runs only if a gradient reached `out`.
    func record(_ out: Node, _ kind: String = "other", _ step: @escaping (Tensor) -> Void) {
        guard out.requiresGrad else { return }
        tape.append { [unowned self] in
            guard out.gradWritten, let g = out.grad else { return }
            let started = self.profile?.start()
            step(g)
            self.profile?.stop(kind, forward: false, started)
            // Every consumer of `out` has added into g before (the tape runs in reverse): it is dead now.
            if !out.accumulatesIntoParameter {
                self.gradients.release(g)
                out.grad = nil
                out.gradWritten = false
            }
        }
    }

    /// Gradient storage for `node` and the beta (0 = overwrite, 1 = add) a kernel must use with it.
    func gradTarget(_ node: Node) -> (Tensor, Float)? {
        guard node.requiresGrad else { return nil }
        if node.accumulatesIntoParameter { return (node.grad!, 1) }
        if let g = node.grad, node.gradWritten { return (g, 1) }
        let g = node.grad ?? gradients.take(node.shape)
        node.grad = g
        node.gradWritten = true
        return (g, 0)
    }

    /// Like `gradTarget` but always returns an initialised buffer to add into (for scatter-style kernels).
    func gradAccumulator(_ node: Node) -> Tensor? {
        guard let (g, beta) = gradTarget(node) else { return nil }
        if beta == 0 { g.fill(0) }
        return g
    }

    /// Runs backward from any node, seeded with d(something)/d(output) = `seed`.
    public func backward(_ output: Node, seed: Tensor) throws {
        guard seed.count == output.value.count else {
            throw EngineError.shape(op: "backward", "seed \(seed.shape) vs output \(output.shape)")
        }
        guard let (g, _) = gradTarget(output) else {
            throw EngineError.invalidArgument(op: "backward", "output does not depend on any parameter")
        }
        g.copy(from: seed)
        for step in tape.reversed() { step() }
    }

    /// Runs backward from a scalar `loss` (seeded with d loss = 1).
    public func backward(_ loss: Node) throws {
        guard loss.value.count == 1 else {
            throw EngineError.shape(op: "backward", "loss must be a scalar, got \(loss.shape)")
        }
        guard let (g, _) = gradTarget(loss) else {
            throw EngineError.invalidArgument(
                op: "backward", "loss does not depend on any parameter (inference graph?)")
        }
        g[0] = 1
        for step in tape.reversed() { step() }
    }
}

/// Counts (and optionally inverts the backward decision of) ReLU inputs that sit on the kink within float noise.
public final class ReluKinkProbe: @unchecked Sendable {
    public let relative: Float
    public let flip: Bool
    public private(set) var count = 0
    public init(relative: Float = 5e-7, flip: Bool) {
        self.relative = relative
        self.flip = flip
    }
    func found(_ n: Int) { count += n }
}

/// Wall time per op kind (forward and backward separately).
public final class OpProfile: @unchecked Sendable {
    public private(set) var forward: [String: Double] = [:]
    public private(set) var backward: [String: Double] = [:]
    public init() {}
    func start() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    func stop(_ kind: String, forward isForward: Bool, _ started: UInt64?) {
        guard let started else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if isForward { forward[kind, default: 0] += seconds } else { backward[kind, default: 0] += seconds }
    }
    /// Convolution time by shape (forward and backward) and the multiply-adds done, so the benchmark can name the
    /// layers that run far below the machine's GEMM speed.
    public private(set) var convShapes: [String: ConvShapeTime] = [:]
    public struct ConvShapeTime: Sendable {
        public var forward = 0.0, backward = 0.0, macs = 0
        /// Of `seconds`, the time inside sgemm (when `GEMMClock` runs on this thread).
        public var gemm = 0.0
        public var seconds: Double { forward + backward }
    }
    func noteConv(_ shape: String, forward isForward: Bool, _ started: UInt64?, gemmBefore: Double, macs: Int) {
        guard let started else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if isForward {
            convShapes[shape, default: ConvShapeTime()].forward += seconds
        } else {
            convShapes[shape, default: ConvShapeTime()].backward += seconds
        }
        convShapes[shape]!.macs += macs
        convShapes[shape]!.gemm += GEMMClock.seconds - gemmBefore
    }
    public func reset() {
        forward = [:]
        backward = [:]
        convShapes = [:]
    }
}
