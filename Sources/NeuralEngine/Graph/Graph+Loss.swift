extension Graph {
    /// Mean softmax cross-entropy of logits (N, classes) against labels; a scalar node.
    public func crossEntropy(_ logits: Node, labels: [Int32]) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("loss", forward: true, opStart) }
        guard logits.shape.count == 2, logits.shape[0] == labels.count else {
            throw EngineError.shape(op: "crossEntropy", "logits \(logits.shape) vs \(labels.count) labels")
        }
        let n = labels.count
        let k = logits.shape[1]
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= k }) {
            throw EngineError.invalidArgument(op: "crossEntropy", "label \(bad) outside 0..<\(k)")
        }
        let probs = values.take([n, k])
        let out = output([1], from: [logits])
        let loss =
            !performsArithmetic
            ? 0
            : labels.withUnsafeBufferPointer {
                DenseKernels.crossEntropy(
                    logits: logits.value.data, labels: $0.baseAddress!, probs: probs.data, batch: n, classes: k)
            }
        out.value[0] = loss
        record(out, "loss") { [unowned self] dy in
            guard let (dx, beta) = self.gradientDestination(logits) else { return }
            labels.withUnsafeBufferPointer {
                DenseKernels.crossEntropyBackward(
                    probs: probs.data, labels: $0.baseAddress!, dLogits: dx.data,
                    scale: dy[0], batch: n, classes: k, dxBeta: beta)
            }
        }
        return out
    }

    /// sum_i weights[i] * terms[i] over scalar nodes.
    public func weightedSum(_ terms: [Node], weights: [Float]) throws -> Node {
        let opStart = profile?.start()
        defer { profile?.stop("loss", forward: true, opStart) }
        guard terms.count == weights.count, !terms.isEmpty, terms.allSatisfy({ $0.value.count == 1 }) else {
            throw EngineError.shape(op: "weightedSum", "\(terms.count) scalar terms vs \(weights.count) weights")
        }
        let out = output([1], from: terms)
        var total: Float = 0
        for (t, w) in zip(terms, weights) { total += w * t.value[0] }
        out.value[0] = total
        record(out, "loss") { [unowned self] dy in
            for (t, w) in zip(terms, weights) {
                guard let (dt, beta) = self.gradientDestination(t) else { continue }
                dt[0] = (beta == 0 ? 0 : dt[0]) + w * dy[0]
            }
        }
        return out
    }
}
