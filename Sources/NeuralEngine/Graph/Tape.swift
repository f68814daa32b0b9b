// The tape: every op records a backward closure; backward runs them in reverse, each adding its gradients into its
// inputs' buffers and handing back its output's gradient once no closure can need it again.

extension Graph {
    /// Registers a backward step for `out`; it runs only if a gradient reached `out`.
    func record(_ out: Node, _ kind: String = "other", _ step: @escaping (Tensor) -> Void) {
        guard out.requiresGrad else { return }
        tape.append { [unowned self] in
            guard out.gradWritten, let g = out.grad else { return }
            let started = self.profile?.start()
            step(g)
            self.profile?.stop(kind, forward: false, started)
            // Every consumer of `out` has added into g before (the tape runs in reverse): it is dead now.
            if !out.accumulatesIntoParameter {
                self.gradients.release(g)
                out.grad = nil
                out.gradWritten = false
            }
        }
    }

    /// Where a kernel writes `node`'s gradient, and the BLAS-style beta it must use: 0 when it is the first writer
    /// this step (overwrite whatever the reused buffer holds), 1 when earlier consumers already wrote (add).
    func gradientDestination(_ node: Node) -> (gradient: Tensor, beta: Float)? {
        guard node.requiresGrad else { return nil }
        if node.accumulatesIntoParameter { return (node.grad!, 1) }
        if let g = node.grad, node.gradWritten { return (g, 1) }
        let g = node.grad ?? gradients.take(node.shape)
        node.grad = g
        node.gradWritten = true
        return (g, 0)
    }

    /// Like `gradientDestination` but always an initialised buffer to add into (for scatter-style kernels).
    func gradAccumulator(_ node: Node) -> Tensor? {
        guard let (g, beta) = gradientDestination(node) else { return nil }
        if beta == 0 { g.fill(0) }
        return g
    }

    /// Runs backward from any node, seeded with d(something)/d(output) = `seed`.
    public func backward(_ output: Node, seed: Tensor) throws {
        guard seed.count == output.value.count else {
            throw EngineError.shape(op: "backward", "seed \(seed.shape) vs output \(output.shape)")
        }
        guard let (g, _) = gradientDestination(output) else {
            throw EngineError.invalidArgument(op: "backward", "output does not depend on any parameter")
        }
        g.copy(from: seed)
        for step in tape.reversed() { step() }
    }

    /// Runs backward from a scalar `loss` (seeded with d loss = 1).
    public func backward(_ loss: Node) throws {
        guard loss.value.count == 1 else {
            throw EngineError.shape(op: "backward", "loss must be a scalar, got \(loss.shape)")
        }
        guard let (g, _) = gradientDestination(loss) else {
            throw EngineError.invalidArgument(
                op: "backward", "loss does not depend on any parameter (inference graph?)")
        }
        g[0] = 1
        for step in tape.reversed() { step() }
    }
}
