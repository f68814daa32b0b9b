extension Graph {
    /// Rows `rows` (indices along the batch axis, in that order) of every node, as inputs of this graph with storage
    /// from `arena`: how early exit drops the samples that already left. Nodes viewing one channel buffer (a dense
    /// block's growing feature map and its earlier widths) are gathered once into one new buffer of the same width
    /// and stay views of it, so a later concatenation still appends in place and no channel is copied twice.
    public func gatherRows(_ nodes: [Node], rows: [Int], arena: Arena) throws -> [Node] {
        var buffers: [ObjectIdentifier: ChannelBuffer] = [:]
        var widths: [ObjectIdentifier: Int] = [:]
        for node in nodes {
            guard let buffer = node.channelBuffer else { continue }
            let key = ObjectIdentifier(buffer)
            widths[key] = max(widths[key] ?? 0, node.channelOffset + node.shape[1])
        }
        return try nodes.map { node in
            guard node.shape.count >= 1 else {
                throw EngineError.invalidArgument(op: "gatherRows", "a scalar has no rows")
            }
            let batch = node.shape[0]
            if let bad = rows.first(where: { $0 < 0 || $0 >= batch }) {
                throw EngineError.invalidArgument(op: "gatherRows", "row \(bad) is outside 0..<\(batch)")
            }
            guard let source = node.channelBuffer else {
                let destination = arena.take([rows.count] + node.shape.dropFirst())
                let size = node.imageStride
                for (target, row) in rows.enumerated() {
                    (destination.data + target * size).update(from: node.storage.data + row * size, count: size)
                }
                return input(destination)
            }
            let key = ObjectIdentifier(source)
            let s = source.shape
            let buffer: ChannelBuffer
            if let done = buffers[key] {
                buffer = done
            } else {
                let width = widths[key]!
                let storage = arena.take([rows.count, s.c, s.h, s.w])
                let perImage = s.c * s.plane
                for (target, row) in rows.enumerated() {
                    (storage.data + target * perImage).update(
                        from: source.tensor.data + row * perImage, count: width * s.plane)
                }
                buffer = try ChannelBuffer(input(storage))
                buffer.filled = width
                buffers[key] = buffer
            }
            return Node(channelsOf: buffer, offset: node.channelOffset, channels: node.shape[1])
        }
    }
}
