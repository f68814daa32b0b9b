/// A recorded forward pass (a tape) whose backward runs the recorded closures in reverse.
///
/// Activations come from a planned arena: call `reset()` before each step and the same sequence of ops reuses the
/// same storage, so a training loop allocates only on its first step.
public final class Graph: @unchecked Sendable {
    /// Training mode: BatchNorm uses batch statistics and updates its running estimates; ops record backward steps.
    public var training: Bool
    /// Whether ops record their backward (off for pure inference).
    public var recordsGradients: Bool
    /// False for a dry run (the cost model): ops only work out output shapes and count costs, computing no values.
    public var performsArithmetic = true
    /// Receives the cost of every op while set.
    public var counter: OpCounter?
    /// For parity checks only: ReLU inputs within `relative * max|input|` of zero are undecidable at float precision;
    /// when `flip` is set their gradient decision is inverted, and every such element is counted in `count`.
    public var reluKinks: ReluKinkProbe?
    /// Accumulates wall time per op kind, forward and backward, while set (for the benchmark's breakdown).
    public var profile: OpProfile?
    /// Set when this graph runs one part of a batch beside other replicas (data-parallel training): batch norms then
    /// use the whole batch's statistics, and parameter gradients of ranks above 0 go to the replica's own buffers.
    public var replica: Replica?
    let values = Arena()
    let gradients = BufferPool()
    /// Activations of graphs that record no backward: each is handed back when its node goes away, so an evaluation
    /// pass holds only the activations still referenced, not every activation of the pass.
    let inferenceValues = BufferPool()
    let scratch = Scratch()
    var tape: [() -> Void] = []

    public init(training: Bool, recordsGradients: Bool? = nil) {
        self.training = training
        self.recordsGradients = recordsGradients ?? training
    }

    /// Forgets the previous pass; its tensors are reused by the next one. A replica's own gradients start again at 0
    /// (rank 0's are the parameters', which the caller zeroes).
    public func reset() {
        values.reset()
        gradients.reset()
        inferenceValues.reset()
        tape.removeAll(keepingCapacity: true)
        replica?.zeroLocalGradients()
    }

    public var arenaBytes: Int { values.bytes + gradients.bytes + inferenceValues.bytes }
    /// Bytes of gradient buffers (reused within a step as backward goes).
    public var gradientBytes: Int { gradients.bytes }

    /// An input that needs no gradient (images).
    public func input(_ tensor: Tensor) -> Node { Node(value: tensor, requiresGrad: false) }

    /// A copy of `tensor` into the arena (so callers may reuse their buffer).
    public func constant(_ tensor: Tensor) -> Node {
        let t = values.take(tensor.shape)
        t.copy(from: tensor)
        return Node(value: t, requiresGrad: false)
    }

    /// A parameter as a graph node: backward adds into `parameter.grad` (a frozen one needs none).
    public func parameter(_ p: Parameter) -> Node {
        Node(
            value: p.value, requiresGrad: recordsGradients && !p.frozen,
            parameterGrad: replica?.gradient(for: p) ?? p.grad)
    }

    func output(_ shape: [Int], from inputs: [Node]) -> Node {
        widestImageFloats = max(widestImageFloats, shape.dropFirst().reduce(1, *))
        if !recordsGradients {
            return Node(
                value: inferenceValues.take(shape), requiresGrad: false,
                recycle: (inferenceValues, inferenceValues.generation))
        }
        return Node(value: values.take(shape), requiresGrad: inputs.contains { $0.requiresGrad })
    }

    /// Makes every concatenation copy its inputs (for tests comparing the two ways).
    public var copiesConcatenations = false

    /// The most floats per image any tensor this graph allocated holds (a concatenation's shared buffer counts once,
    /// at its full width).
    public private(set) var widestImageFloats = 0
}
