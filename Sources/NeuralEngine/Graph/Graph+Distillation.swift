/// The ops of the improved training techniques of Li et al. (ICCV 2019): gradient rescaling (Gradient Equilibrium),
/// flattening features for fully connected heads, and the distillation loss.
extension Graph {
    /// The identity forward; backward multiplies the incoming gradient by `weight` (the reference's
    /// `GradientRescaleFunction`). A graph that records no gradients returns `x` itself.
    public func scaleGradient(_ x: Node, by weight: Float) -> Node {
        guard recordsGradients, x.requiresGrad else { return x }
        let out = Node(value: x.value, requiresGrad: true)
        record(out, "other") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(x) else { return }
            ElementwiseKernels.scaled(dy.data, by: weight, into: dx.data, count: dy.count, beta: beta)
        }
        return out
    }

    /// The input as (N, everything else, 1, 1), sharing its values (PyTorch's `view(N, -1)`, kept 4-D so that
    /// channel concatenation and batch norm apply to feature vectors).
    public func flattenFeatures(_ x: Node) -> Node {
        let n = x.shape.first ?? 0
        let shape = [n, x.value.count / max(n, 1), 1, 1]
        if x.shape == shape { return x }
        let out = Node(value: Tensor(viewOf: x.value, shape: shape), requiresGrad: recordsGradients && x.requiresGrad)
        record(out, "other") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(x) else { return }
            if beta == 0 { dx.copy(from: dy) } else { ElementwiseKernels.add(dy.data, into: dx.data, count: dy.count) }
        }
        return out
    }

    /// PyTorch's `KLDivLoss()(log_softmax(student / T), softmax(teacher / T))` with its default 'mean' reduction
    /// (divided by N * classes); a scalar node. The teacher is a constant: no gradient reaches it.
    public func softenedKLDivergence(student: Node, teacher: Node, temperature: Float) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("loss", forward: true, opStart) }
        guard student.shape.count == 2, student.shape == teacher.shape else {
            throw EngineError.shape(op: "softenedKLDivergence", "student \(student.shape) vs teacher \(teacher.shape)")
        }
        guard temperature > 0, temperature.isFinite else {
            throw EngineError.invalidArgument(
                op: "softenedKLDivergence", "temperature must be positive, got \(temperature)")
        }
        let n = student.shape[0]
        let k = student.shape[1]
        let q = values.take([n, k])
        let p = values.take([n, k])
        let out = output([1], from: [student])
        out.value[0] =
            !performsArithmetic
            ? 0
            : DistillationKernels.klDivergence(
                student: student.value.data, teacher: teacher.value.data, temperature: temperature,
                studentProbs: q.data, teacherProbs: p.data, batch: n, classes: k)
        record(out, "loss") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(student) else { return }
            DistillationKernels.klDivergenceBackward(
                studentProbs: q.data, teacherProbs: p.data, temperature: temperature, dStudent: dx.data,
                scale: dy[0], batch: n, classes: k, dxBeta: beta)
        }
        return out
    }
}
