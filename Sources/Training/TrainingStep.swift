import AdaptiveNets
import NeuralEngine

/// Forward and backward of one training batch through every exit, leaving the batch's gradients in the model's
/// parameters. With more than one replica the batch is split into contiguous parts, one per replica, each on a
/// thread of its own, whose batch norms share the whole batch's statistics (`ReplicaGroup`): the gradients are the
/// whole batch's, as one graph computes them, up to the order of floating-point additions.
public final class TrainingStep {
    public let model: any EarlyExitNetwork
    public let replicas: Int
    private let graphs: [Graph]
    private let group: ReplicaGroup?
    /// For batches smaller than the replica count (a short last batch).
    private lazy var wholeBatchGraph = Graph(training: true)
    /// The loss of an `IMTANetwork` (IMTA stage 2); other networks train on their exits' cross-entropies.
    public var distillation = DistillationSettings()

    public struct Losses: Sendable {
        /// Mean cross-entropy of each exit over the batch.
        public let exits: [Float]
        /// The weighted sum that was differentiated.
        public let total: Float
    }

    /// `oneBLASThreadEach`: see `ReplicaGroup` (true unless the process runs other engine work meanwhile).
    public init(model: any EarlyExitNetwork, replicas: Int = 1, oneBLASThreadEach: Bool = true) {
        self.model = model
        self.replicas = max(1, replicas)
        graphs = (0..<self.replicas).map { _ in Graph(training: true) }
        group = self.replicas > 1 ? ReplicaGroup(count: self.replicas, oneBLASThreadEach: oneBLASThreadEach) : nil
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
        guard let group, n >= replicas else {
            return try Self.forwardBackward(
                model, graphs.count == 1 ? graphs[0] : wholeBatchGraph, images, labels,
                weights, share: 1, distillation: distillation)
        }
        let bounds = EngineThreads.partBounds(n, parts: replicas)
        var partLosses = [[Float]](repeating: [], count: replicas)
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
        for rank in 0..<replicas {
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
