/// Planned buffers: the n-th request of a step gets the n-th buffer of the previous step.
///
/// Training repeats the same sequence of ops with the same shapes, so after the first step every request is served
/// from storage allocated once (a buffer only grows when a later step needs more, e.g. a larger batch).
public final class Arena: @unchecked Sendable {
    private var buffers: [Tensor] = []
    private var cursor = 0

    public init() {}

    /// Makes every buffer available again; tensors handed out before are overwritten by later requests.
    public func reset() { cursor = 0 }

    /// A tensor of `shape` (contents unspecified unless `zeroed`).
    public func take(_ shape: [Int], zeroed: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        if cursor == buffers.count {
            buffers.append(Tensor(zeros: [max(n, 1)]))
        } else if buffers[cursor].capacity < n {
            buffers[cursor] = Tensor(zeros: [n])
        }
        let t = Tensor(viewOf: buffers[cursor], shape: shape)
        cursor += 1
        if zeroed { t.fill(0) }
        return t
    }

    /// Bytes held by the arena.
    public var bytes: Int { buffers.reduce(0) { $0 + $1.capacity * 4 } }
}

/// One growable scratch buffer per slot, for kernel workspaces (im2col columns and the like).
public final class Scratch: @unchecked Sendable {
    private var slots: [Tensor] = []
    /// The workspaces of the half of a conv that runs on the spinning helper thread (`ConvKernels.splitForward`).
    lazy var helperScratch = Scratch()
    public init() {}
    /// `slot`'s buffer, grown to at least `count` floats; contents unspecified.
    func buffer(_ slot: ScratchSlot, count: Int) -> UnsafeMutablePointer<Float> {
        let index = slot.index
        while slots.count <= index { slots.append(Tensor(zeros: [1])) }
        if slots[index].capacity < count { slots[index] = Tensor(zeros: [count]) }
        return slots[index].data
    }
}

/// The kernels' scratch workspaces, by name.
///
/// The rule: a kernel may use any slot while it runs, but a slot it still needs when it calls another kernel (the
/// flipped weights it passes on) must be one the callee never uses. Names that share an index belong to kernels
/// that never hold them at the same time; the only nested calls are the two listed at their slots below.
struct ScratchSlot: Equatable, Sendable {
    let index: Int

    // The column-GEMM conv (`ConvKernels`).
    /// The column matrix (im2col, or the channel-major gather of a 1x1 conv's input), and d(columns) in backward.
    static let columns = ScratchSlot(index: 0)
    /// The GEMM's output before it is scattered to NCHW; in backward, dy gathered channel-major.
    static let gemmOutput = ScratchSlot(index: 1)
    /// The flipped, transposed weight of dx-by-transposed-conv, live across the conv forward it calls (which uses
    /// `columns`, `gemmOutput` or `directPaddedInput`; never `shiftedProducts`: a transposed narrowing conv widens).
    static let transposedWeight = ScratchSlot(index: 2)

    // `DirectConv`.
    /// Each image's input copied into a zero-bordered plane.
    static let directPaddedInput = ScratchSlot(index: 3)
    /// dy rows rounded up to whole vectors (backward).
    static let directPaddedGradient = ScratchSlot(index: 4)
    /// The flipped weight of backward's dx, live across the `DirectConv.forward` it calls (`directPaddedInput`).
    static let directFlippedWeight = ScratchSlot(index: 5)

    // `ShiftConv` never runs nested in another conv, so it shares the column conv's first three slots.
    /// One phase of the input for a chunk of images.
    static let shiftedPhaseInput = columns
    /// The output sums of a chunk (forward); one phase's dx (backward).
    static let shiftedSums = gemmOutput
    /// Every tap's products (forward); dy shifted back by every tap (backward).
    static let shiftedProducts = transposedWeight
    /// The weights of all taps stacked into [taps*M x C].
    static let shiftedStackedWeight = ScratchSlot(index: 6)
    /// The stacked weights' gradient (backward).
    static let shiftedStackedWeightGradient = ScratchSlot(index: 7)
    /// dy with the images innermost (backward).
    static let shiftedGatheredGradient = ScratchSlot(index: 8)
}

/// Buffers handed back as soon as they are dead, for later requests to reuse: gradients, which backward releases once
/// the op that produced their node has run, and the activations of inference graphs, which their node releases when
/// it goes away (nothing keeps an activation for a backward pass there).
///
/// A node's gradient is dead once the op that produced the node has run its backward step (every consumer added
/// into it before, the tape runs in reverse). Holding every gradient of a step until its end, as the activation arena
/// does, doubled a training step's memory; with reuse the live gradients at any moment are those of one frontier of
/// the graph. Requests take the smallest free buffer that fits, so after the first steps a loop allocates nothing
/// (the same sequence of requests and releases finds the same buffers).
public final class BufferPool: @unchecked Sendable {
    private var buffers: [Tensor] = []
    private var isFree: [Bool] = []
    private var owner: [UnsafeMutableRawPointer: Int] = [:]
    /// Counts resets, so a release from before the last reset (a node outliving its pass) is ignored.
    public private(set) var generation = 0

    public init() {}

    /// Makes every buffer free again (the start of a step).
    public func reset() {
        for i in isFree.indices { isFree[i] = true }
        generation &+= 1
    }

    /// A tensor of `shape`, contents unspecified.
    public func take(_ shape: [Int]) -> Tensor {
        let n = max(shape.reduce(1, *), 1)
        var best = -1
        for i in buffers.indices where isFree[i] && buffers[i].capacity >= n {
            if best < 0 || buffers[i].capacity < buffers[best].capacity { best = i }
        }
        if best < 0 {
            best = buffers.count
            let t = Tensor(zeros: [n])
            buffers.append(t)
            isFree.append(true)
            owner[UnsafeMutableRawPointer(t.data)] = best
        }
        isFree[best] = false
        return Tensor(viewOf: buffers[best], shape: shape)
    }

    /// Hands back a tensor `take` returned in generation `generation` (by default the current one); using it
    /// afterwards reads whatever a later request wrote.
    public func release(_ t: Tensor, generation taken: Int? = nil) {
        guard taken ?? generation == generation, let i = owner[UnsafeMutableRawPointer(t.data)] else { return }
        isFree[i] = true
    }

    /// Bytes held by the pool.
    public var bytes: Int { buffers.reduce(0) { $0 + $1.capacity * 4 } }
}
