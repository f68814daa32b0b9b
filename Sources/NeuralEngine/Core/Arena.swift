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
