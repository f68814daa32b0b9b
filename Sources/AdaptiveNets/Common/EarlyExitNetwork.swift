import NeuralEngine

/// A multi-exit classifier that runs in stages (sub-networks or blocks); each stage ends in one or more exits.
///
/// Stages carry their state as plain lists of nodes whose first dimension is the batch, so an executor can drop the
/// samples that already exited (compact every tensor of the state) before running the next stage. Early exit runs
/// at a finer grain, one segment per exit (`segment`): the work after the previous exit up to this exit's classifier,
/// with the same kind of state in between. A model that carries more per sample between exits (e.g. a feature per
/// head) appends it to that list; the executor compacts whatever the list holds.
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
    /// Runs exit e's segment on the state `begin` (e = 0) or segment e-1 returned: everything after exit e-1 up to
    /// exit e, whose logits it returns with the state segment e+1 reads. Segments 0...e together cost exactly exit
    /// e's cumulative FLOPs (`cost()`). The default serves models whose stages each end in exactly one exit.
    func segment(_ e: Int, _ g: Graph, _ state: [Node]) throws -> (logits: Node, state: [Node])
}

extension EarlyExitNetwork {
    /// Stage e, for models with one exit per stage (every stage is then one exit's segment).
    public func segment(_ e: Int, _ g: Graph, _ state: [Node]) throws -> (logits: Node, state: [Node]) {
        guard stageCount == exitCount, exitStage == Array(0..<exitCount) else {
            throw EngineError.invalidArgument(
                op: "\(architecture) segment",
                "stages \(exitStage) do not hold one exit each: the model must define its segments")
        }
        let (logits, next) = try stage(e, g, state)
        guard logits.count == 1 else {
            throw EngineError.invalidArgument(
                op: "\(architecture) segment", "stage \(e) returned \(logits.count) exits")
        }
        return (logits[0], next)
    }

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
        let counter = OpCounter()
        try dryRun(counter: counter)
        return CostTable(
            exitStage: exitStage, cumulativeFlops: counter.exits.map(\.flops),
            cumulativeParams: counter.exits.map(\.params),
            classifierInput: counter.exits.map { Array($0.input.dropFirst()) })
    }
}

extension EarlyExitNetwork {
    /// Floats per image of the widest tensor an inference pass through every exit allocates (a dry run that skips
    /// arithmetic): what a part of a batch must keep in cache per image between the layers that read it.
    public func widestFeatureMapFloats() throws -> Int { try dryRun().widestImageFloats }

    /// A forward pass of one image through every exit that allocates and counts but skips the arithmetic.
    @discardableResult private func dryRun(counter: OpCounter? = nil) throws -> Graph {
        let g = Graph(training: false, recordsGradients: false)
        g.performsArithmetic = false
        g.counter = counter
        _ = try forward(g, g.input(Tensor(zeros: [1] + inputShape)))
        return g
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
