// In-place concatenation: a dense block's growing feature map lives in one wide channel buffer; each concatenation
// appends behind the channels already there, and ops can write their output straight into a reserved slot of it.

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

extension Graph {
    /// Whether concatenations may append in place and ops write into reserved channel buffers (graphs that compute,
    /// unless `copiesConcatenations`). Training graphs too: a concatenation's backward only slices its gradient, and
    /// the ops reading such views (convs, resize, concat) take their strides forward and backward.
    public var concatenatesInPlace: Bool { performsArithmetic && !copiesConcatenations }

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
}
