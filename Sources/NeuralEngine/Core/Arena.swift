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
    public init() {}
    public func buffer(_ slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= slot { slots.append(Tensor(zeros: [1])) }
        if slots[slot].capacity < count { slots[slot] = Tensor(zeros: [count]) }
        return slots[slot].data
    }
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
