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
