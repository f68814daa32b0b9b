import Foundation

/// Stochastic gradient descent exactly as torch.optim.SGD: weight decay added to the gradient, a momentum buffer
/// initialised to the first (decayed) gradient, dampening, optional Nesterov.
public final class SGD: @unchecked Sendable {
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    public let dampening: Float
    public let nesterov: Bool
    /// Momentum buffers by parameter name (nil until the parameter's first step).
    public private(set) var buffers: [String: Tensor] = [:]

    public init(
        learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 1e-4, dampening: Float = 0,
        nesterov: Bool = false
    ) throws {
        guard learningRate >= 0, momentum >= 0, weightDecay >= 0 else {
            throw EngineError.invalidArgument(
                op: "SGD", "lr \(learningRate), momentum \(momentum), weight decay \(weightDecay) must be >= 0")
        }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw EngineError.invalidArgument(op: "SGD", "Nesterov momentum requires a momentum and zero dampening")
        }
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.dampening = dampening
        self.nesterov = nesterov
    }

    /// Applies one update from its accumulated gradient to every parameter that is not frozen (frozen ones get
    /// neither a step nor weight decay, as in PyTorch).
    public func step(_ parameters: [Parameter]) {
        for p in parameters where !p.frozen { update(p) }
    }

    private func update(_ p: Parameter) {
        let n = p.value.count
        let w = p.value.data
        let g = p.grad.data
        let lr = learningRate
        let wd = weightDecay
        let mom = momentum
        if mom == 0 {
            for i in 0..<n { w[i] -= lr * (g[i] + wd * w[i]) }
            return
        }
        if let buf = buffers[p.name] {
            let b = buf.data
            let keep = 1 - dampening
            for i in 0..<n {
                let d = g[i] + wd * w[i]
                b[i] = mom * b[i] + keep * d
                w[i] -= lr * (nesterov ? d + mom * b[i] : b[i])
            }
        } else {
            let buf = Tensor(zeros: p.value.shape)
            let b = buf.data
            for i in 0..<n {
                let d = g[i] + wd * w[i]
                b[i] = d
                w[i] -= lr * (nesterov ? d + mom * d : d)
            }
            buffers[p.name] = buf
        }
    }

    /// Restores momentum buffers (from a checkpoint).
    public func setBuffer(_ name: String, _ tensor: Tensor) { buffers[name] = tensor }
}

/// Learning rate as a function of training progress.
public enum LRSchedule: Sendable, Equatable {
    /// base * gamma^(number of milestones passed); milestones in epochs.
    case multistep(base: Float, milestones: [Int], gamma: Float)
    /// base * (1 + cos(pi * epoch / total)) / 2, evaluated at fractional epochs.
    case cosine(base: Float, totalEpochs: Int)

    /// The paper's recipe: divide by 10 at 50% and 75% of the epochs. The reference compares the epoch with
    /// `epochs * 0.5` and `epochs * 0.75`, so the milestones round up: a 1-epoch run keeps the base rate, a 5-epoch
    /// one decays from epoch 3 (0-based) and again from epoch 4.
    public static func paper(base: Float, epochs: Int) -> LRSchedule {
        .multistep(base: base, milestones: [(epochs + 1) / 2, (3 * epochs + 3) / 4], gamma: 0.1)
    }

    /// The rate for `epoch` (0-based; fractions allowed for per-step cosine decay).
    public func rate(epoch: Double) -> Float {
        switch self {
        case .multistep(let base, let milestones, let gamma):
            let passed = milestones.filter { epoch >= Double($0) }.count
            return base * pow(gamma, Float(passed))
        case .cosine(let base, let total):
            let t = min(max(epoch / Double(max(total, 1)), 0), 1)
            return base * Float(0.5 * (1 + cos(Double.pi * t)))
        }
    }
}
