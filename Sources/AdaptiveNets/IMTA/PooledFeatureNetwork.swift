import NeuralEngine

/// One exit's classifier features before its linear layer: the pooled vector the IMTA heads read.
public struct ExitFeatures {
    public let pooled: Node
    /// The shape (N, C, H, W) entering the exit's classifier (for the cost table).
    public let classifierInput: [Int]
}

/// A multi-exit network whose exits end in a linear layer over pooled features (RANet and MSDNet), which is what the
/// improved training techniques of Li et al. (ICCV 2019) need: Gradient Equilibrium rescales the gradients around
/// each classifier, and the stage-2 heads read the pooled features.
public protocol PooledFeatureNetwork: EarlyExitNetwork {
    /// Gradient Equilibrium (stage 1 of IMTA): the feature each classifier reads passes its gradient scaled by
    /// 1/(K-i) into classifier i of K exits and by K-i-1 to what follows. Values are unchanged.
    var gradientEquilibrium: Bool { get set }
    /// Values in each exit's pooled features, in exit order.
    var exitFeatureCounts: [Int] { get }
    /// Runs stage `s`, handing each of its exits (index, pooled features) to `exit` as soon as they are computed (so
    /// a cost counter sees each exit's head right after its features); returns the state for stage s+1.
    func stageFeatures(
        _ s: Int, _ g: Graph, _ state: [Node], exit: (Int, ExitFeatures) throws -> Void
    ) throws -> [Node]
    /// Exit `e`'s segment (see `EarlyExitNetwork.segment`) up to its pooled features, handed to `exit`; returns the
    /// state segment e+1 reads. The default serves models whose stages each end in exactly one exit.
    func segmentFeatures(
        _ e: Int, _ g: Graph, _ state: [Node], exit: (Int, ExitFeatures) throws -> Void
    ) throws -> [Node]
    /// Exit `e`'s own linear layer on its pooled features.
    func exitHead(_ e: Int, _ g: Graph, _ pooled: Node) throws -> Node
}

extension PooledFeatureNetwork {
    /// Stage `s` with its own exits' logits, each exit marked for the cost counter right after its linear layer.
    func stageWithOwnHeads(_ s: Int, _ g: Graph, _ state: [Node]) throws -> (logits: [Node], state: [Node]) {
        var logits: [Node] = []
        let next = try stageFeatures(s, g, state) { e, f in
            logits.append(try exitHead(e, g, f.pooled))
            g.counter?.markExit(input: f.classifierInput)
        }
        return (logits, next)
    }

    /// Stage e, for models with one exit per stage (every stage is then one exit's segment).
    public func segmentFeatures(
        _ e: Int, _ g: Graph, _ state: [Node], exit: (Int, ExitFeatures) throws -> Void
    ) throws -> [Node] {
        guard stageCount == exitCount, exitStage == Array(0..<exitCount) else {
            throw EngineError.invalidArgument(
                op: "\(architecture) segment",
                "stages \(exitStage) do not hold one exit each: the model must define its segments")
        }
        return try stageFeatures(e, g, state, exit: exit)
    }

    /// Exit e's segment with the exit's own linear layer (marked for the cost counter right after it).
    func segmentWithOwnHead(_ e: Int, _ g: Graph, _ state: [Node]) throws -> (logits: Node, state: [Node]) {
        var logits: Node?
        let next = try segmentFeatures(e, g, state) { exit, f in
            logits = try exitHead(exit, g, f.pooled)
            g.counter?.markExit(input: f.classifierInput)
        }
        guard let logits else {
            throw EngineError.invalidArgument(op: "\(architecture) segment", "exit \(e)'s segment reached no exit")
        }
        return (logits, next)
    }

    /// The index of stage `s`'s first exit.
    func firstExitIndex(ofStage s: Int) -> Int { exitStage.filter { $0 < s }.count }
}

/// Gradient Equilibrium's two rescalings around exit `exit` of `exits` (the reference's `gradient_rescale` before and
/// after classifier i): the node the classifier reads, and the node the rest of the network reads. Without it (or
/// in a graph without gradients) both are `x`.
func gradientEquilibrium(
    _ g: Graph, _ x: Node, exit: Int, of exits: Int, enabled: Bool
) -> (
    classifier: Node, onward: Node
) {
    guard enabled else { return (x, x) }
    // Chained as in the reference: what follows gets (g_classifier + (K-i-1) g_later) / (K-i) in all.
    let shared = g.scaleGradient(x, by: 1 / Float(exits - exit))
    return (shared, g.scaleGradient(shared, by: Float(exits - exit - 1)))
}
