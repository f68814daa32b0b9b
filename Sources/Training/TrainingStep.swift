import AdaptiveNets
import NeuralEngine

/// Forward and backward of one training batch through every exit, leaving the batch's gradients in the model's
/// parameters. With more than one part the batch is split into contiguous parts, each with a graph and a thread of
/// its own, whose batch norms share the whole batch's statistics (`ReplicaGroup`): the gradients are the whole
/// batch's, as one graph computes them, up to the order of floating-point additions. That order depends on the part
/// count alone (batch-norm sums and gradients are added in part order), not on how many threads run the parts, so a
/// step gives the same bits on any thread count.
public final class TrainingStep {
    public let model: any EarlyExitNetwork
    public let parts: Int
    public let threads: Int
    private let graphs: [Graph]
    private let group: ReplicaGroup?
    private let oneBLASThreadEach: Bool
    /// For batches smaller than the part count (a short last batch).
    private lazy var wholeBatchGraph = Graph(training: true)
    /// The loss of an `IMTANetwork` (IMTA stage 2); other networks train on their exits' cross-entropies.
    public var distillation = DistillationSettings()

    /// Images a part should have at least: smaller parts make the GEMMs too narrow to run at speed
    /// (docs/performance.md, "Threads and replicas").
    public static let minimumImagesPerPart = 32
    /// Most parts a batch is split into (the most threads a step can use).
    public static let maximumParts = 8

    /// The part count `ranet train` uses for a batch size (what the results depend on; it never depends on the
    /// thread count): as many parts as `maximumParts` allows with at least `minimumImagesPerPart` images each.
    public static func defaultParts(batchSize: Int) -> Int {
        min(maximumParts, max(1, batchSize / minimumImagesPerPart))
    }

    public struct Losses: Sendable {
        /// Mean cross-entropy of each exit over the batch.
        public let exits: [Float]
        /// The weighted sum that was differentiated.
        public let total: Float
    }

    /// `parts`: what the batch is split into; `threads`: how many parts compute at once (nil: all).
    /// `oneBLASThreadEach`: see `ReplicaGroup` (true unless the process runs other engine work meanwhile).
    public init(model: any EarlyExitNetwork, parts: Int = 1, threads: Int? = nil, oneBLASThreadEach: Bool = true) {
        self.model = model
        self.parts = max(1, parts)
        self.threads = min(max(threads ?? self.parts, 1), self.parts)
        self.oneBLASThreadEach = oneBLASThreadEach
        graphs = (0..<self.parts).map { _ in Graph(training: true) }
        group =
            self.parts > 1
            ? ReplicaGroup(count: self.parts, threads: self.threads, oneBLASThreadEach: oneBLASThreadEach) : nil
        if let group { for (rank, graph) in graphs.enumerated() { graph.replica = Replica(group: group, rank: rank) } }
    }

    /// The graph of the first part (the one a profile attaches to; its times include waiting for the other parts).
    public var leadGraph: Graph { graphs[0] }

    /// Zeroes the gradients, then runs forward and backward of `weights`-weighted exit losses on `images` (N, C, H, W).
    public func run(images: Tensor, labels: [Int32], weights: [Float]) throws -> Losses {
        let n = labels.count
        guard images.shape.first == n else {
            throw TrainingError.mismatch("\(n) labels for a batch of shape \(images.shape)")
        }
        model.store.zeroGrad()
        guard let group, n >= parts else {
            let graph = graphs.count == 1 ? graphs[0] : wholeBatchGraph
            // One thread, as each part has: OpenBLAS on more threads may add in another order.
            func whole() throws -> Losses {
                try Self.forwardBackward(
                    model, graph, images, labels, weights, share: 1, distillation: distillation)
            }
            return try oneBLASThreadEach ? EngineThreads.withOneThreadEach(whole) : whole()
        }
        let bounds = EngineThreads.partBounds(n, parts: parts)
        var partLosses = [[Float]](repeating: [], count: parts)
        try partLosses.withUnsafeMutableBufferPointer { results in
            // Each rank writes its own slot.
            nonisolated(unsafe) let results = results
            try group.run { rank in
                let lo = bounds[rank]
                let hi = bounds[rank + 1]
                let part = images.rows(lo..<hi)
                // Each part's mean loss counts for its share of the batch, so the gradients add up to the batch mean's.
                let losses = try Self.forwardBackward(
                    model, graphs[rank], part, Array(labels[lo..<hi]), weights,
                    share: Float(hi - lo) / Float(n), distillation: distillation)
                results[rank] = losses.exits
            }
        }
        for graph in graphs.dropFirst() { graph.replica!.addGradients(into: model.store.parameters) }
        var exits = [Float](repeating: 0, count: model.exitCount)
        for rank in 0..<parts {
            let share = Float(bounds[rank + 1] - bounds[rank]) / Float(n)
            for k in exits.indices { exits[k] += partLosses[rank][k] * share }
        }
        return Losses(exits: exits, total: zip(exits, weights).reduce(0) { $0 + $1.0 * $1.1 })
    }

    private static func forwardBackward(
        _ model: any EarlyExitNetwork, _ graph: Graph, _ images: Tensor,
        _ labels: [Int32], _ weights: [Float],
        share: Float, distillation: DistillationSettings
    ) throws -> Losses {
        graph.reset()
        if let imta = model as? IMTANetwork {
            let out = try imta.distillationLoss(
                graph, graph.input(images), labels: labels, settings: distillation)
            try graph.backward(out.total, seed: Tensor(shape: [1], values: [share]))
            return Losses(exits: out.crossEntropies.map { $0.value[0] }, total: out.total.value[0])
        }
        let logits = try model.forward(graph, graph.input(images))
        let losses = try logits.map { try graph.crossEntropy($0, labels: labels) }
        let total = try graph.weightedSum(losses, weights: weights)
        try graph.backward(total, seed: Tensor(shape: [1], values: [share]))
        return Losses(exits: losses.map { $0.value[0] }, total: total.value[0])
    }
}
