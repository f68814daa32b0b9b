import NeuralEngine

/// Row gathering along the batch axis (dim 0): how the executor drops samples that already exited.
///
/// Inference needs no gradient, so this works on plain tensors; the result enters the next stage as a graph input.
public enum BatchCompaction {
    /// Copies rows `rows` of `source` (indices along dim 0, in the given order) into `destination`, whose shape must
    /// be `[rows.count] + source.shape.dropFirst()`.
    public static func gatherRows(_ source: Tensor, rows: [Int], into destination: Tensor) throws {
        guard source.rank >= 1 else { throw InferenceError.compaction("a scalar tensor has no batch axis") }
        let expected = [rows.count] + source.shape.dropFirst()
        guard destination.shape == expected else {
            throw InferenceError.compaction(
                "destination \(destination.shape) cannot hold rows \(rows.count) of "
                    + "\(source.shape) (expected \(expected))")
        }
        let batch = source.shape[0]
        if let bad = rows.first(where: { $0 < 0 || $0 >= batch }) {
            throw InferenceError.compaction("row \(bad) is outside 0..<\(batch) of a tensor of shape \(source.shape)")
        }
        let rowSize = source.shape.dropFirst().reduce(1, *)
        for (target, row) in rows.enumerated() {
            (destination.data + target * rowSize).update(from: source.data + row * rowSize, count: rowSize)
        }
    }

    /// A new tensor holding rows `rows` of `source` (see `gatherRows(_:rows:into:)`).
    public static func gatherRows(_ source: Tensor, rows: [Int]) throws -> Tensor {
        guard source.rank >= 1 else { throw InferenceError.compaction("a scalar tensor has no batch axis") }
        let destination = Tensor(zeros: [rows.count] + source.shape.dropFirst())
        try gatherRows(source, rows: rows, into: destination)
        return destination
    }

    /// Every node of a stage state reduced to `rows`, as inputs of `graph`, with storage from `arena` (reused per
    /// batch after `arena.reset()`, like the graph's own); views of one channel buffer stay views of one compacted
    /// buffer (see `Graph.gatherRows`).
    public static func compact(_ state: [Node], rows: [Int], graph: Graph, arena: Arena) throws -> [Node] {
        if state.contains(where: { $0.shape.isEmpty }) {
            throw InferenceError.compaction("a state node has no batch axis")
        }
        do { return try graph.gatherRows(state, rows: rows, arena: arena) } catch let error as EngineError {
            throw InferenceError.compaction("\(error)")
        }
    }
}
