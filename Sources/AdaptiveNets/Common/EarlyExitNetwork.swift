import NeuralEngine

/// A multi-exit classifier that runs in stages (sub-networks or blocks); each stage ends in one or more exits.
///
/// Stages carry their state as plain lists of nodes whose first dimension is the batch, so an executor can drop the
/// samples that already exited (compact every tensor of the state) before running the next stage.
public protocol EarlyExitNetwork: AnyObject, Sendable {
    var store: ParameterStore { get }
    var architecture: String { get }
    /// Input (channels, height, width).
    var inputShape: [Int] { get }
    var classes: Int { get }
    var exitCount: Int { get }
    /// The stage (sub-network for RANet, block for MSDNet) each exit belongs to.
    var exitStage: [Int] { get }
    var stageCount: Int { get }

    /// Work done before the first stage (the stem); returns the state the first stage reads.
    func begin(_ g: Graph, _ x: Node) throws -> [Node]
    /// Runs stage `s` on `state`; returns the logits of its exits (in exit order) and the state for stage s+1.
    func stage(_ s: Int, _ g: Graph, _ state: [Node]) throws -> (logits: [Node], state: [Node])
}

extension EarlyExitNetwork {
    /// Logits of exits 0..<exits (all by default); later stages are not computed.
    public func forward(_ g: Graph, _ x: Node, exits: Int? = nil) throws -> [Node] {
        let wanted = exits ?? exitCount
        var state = try begin(g, x)
        var logits: [Node] = []
        for s in 0..<stageCount where logits.count < wanted {
            let (out, next) = try stage(s, g, state)
            logits += out
            state = next
        }
        return Array(logits.prefix(wanted))
    }

    /// Per-exit cumulative cost with the reference counting rules (batch 1, a dry run that skips arithmetic).
    public func cost() throws -> CostTable {
        let g = Graph(training: false, recordsGradients: false)
        g.performsArithmetic = false
        let counter = OpCounter()
        g.counter = counter
        _ = try forward(g, g.input(Tensor(zeros: [1] + inputShape)))
        return CostTable(
            exitStage: exitStage, cumulativeFlops: counter.exits.map(\.flops),
            cumulativeParams: counter.exits.map(\.params),
            classifierInput: counter.exits.map { Array($0.input.dropFirst()) })
    }
}

/// Per-exit cumulative FLOPs (multiply-adds) and parameters, and each classifier's input shape.
public struct CostTable: Codable, Equatable, Sendable {
    public var exitStage: [Int]
    public var cumulativeFlops: [Int]
    public var cumulativeParams: [Int]
    /// (C, H, W) entering each classifier.
    public var classifierInput: [[Int]]
}
