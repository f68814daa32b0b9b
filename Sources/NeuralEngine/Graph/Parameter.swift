/// A trainable tensor with its gradient, named as in the reference implementation's state_dict.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let grad: Tensor
    /// A frozen parameter takes no gradient and no optimizer step (PyTorch's requires_grad = False); the batch norms
    /// it belongs to still update their running statistics in training mode.
    public var frozen = false

    public init(name: String, shape: [Int]) {
        self.name = name
        value = Tensor(zeros: shape)
        grad = Tensor(zeros: shape)
    }

    public var shape: [Int] { value.shape }
}

/// A non-trainable tensor saved with the model (BatchNorm running statistics).
public final class Buffer: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public init(name: String, shape: [Int], fill: Float = 0) {
        self.name = name
        value = Tensor(zeros: shape)
        if fill != 0 { value.fill(fill) }
    }
}

/// Every parameter and buffer of a model, in registration (state_dict) order.
public final class ParameterStore: @unchecked Sendable {
    public private(set) var parameters: [Parameter] = []
    public private(set) var buffers: [Buffer] = []
    private var names: Set<String> = []
    /// Prepended to the names registered next (a model nested in another, as `net.` in the IMTA heads' state_dict).
    public var namePrefix = ""

    public init() {}

    public func parameter(_ name: String, _ shape: [Int]) -> Parameter {
        let name = namePrefix + name
        precondition(names.insert(name).inserted, "duplicate parameter name \(name)")
        let p = Parameter(name: name, shape: shape)
        parameters.append(p)
        return p
    }

    public func buffer(_ name: String, _ shape: [Int], fill: Float = 0) -> Buffer {
        let name = namePrefix + name
        precondition(names.insert(name).inserted, "duplicate buffer name \(name)")
        let b = Buffer(name: name, shape: shape, fill: fill)
        buffers.append(b)
        return b
    }

    public func zeroGrad() { for p in parameters { p.grad.fill(0) } }

    /// Parameters and buffers by name (for weight I/O).
    public var namedTensors: [(String, Tensor)] {
        parameters.map { ($0.name, $0.value) } + buffers.map { ($0.name, $0.value) }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// The parameters an optimizer updates (every one that is not frozen).
    public var trainableParameters: [Parameter] { parameters.filter { !$0.frozen } }
}
