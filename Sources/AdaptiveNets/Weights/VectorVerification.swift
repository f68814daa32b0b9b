import Foundation
import ModelConfigs
import NeuralEngine

/// Recomputes a reference test-vector set (weights.safetensors + io.safetensors; shared/vectors/S/README.txt for RANet,
/// shared/vectors/MS/README.txt for MSDNet, the `args` metadata picks the architecture) and compares every group:
/// eval logits, train logits, loss, gradients, BN statistics, one SGD step, eval after it.
public enum VectorVerification {
    public struct GroupResult: Sendable, Codable {
        public var group: String
        public var tensors: Int
        /// Largest absolute difference over the group.
        public var maxAbsolute: Float
        /// Largest error of a tensor: its largest absolute difference over the larger of its own largest reference
        /// magnitude and the group's floor.
        public var maxRelative: Float
        public var tolerance: Float
        /// `floorFraction` of the group's largest reference magnitude.
        public var floor: Float
        /// The tensor with the largest error.
        public var worstTensor: String
        public var passed: Bool { maxRelative <= tolerance }
    }

    public static let tolerance: Float = 1e-4
    /// Gradients sum over the batch and every later layer; tensors with few channels (a 2-channel BN) cancel enough
    /// that float32 reordering reaches ~2e-4 of their scale, so gradient-derived groups get a looser bound.
    public static let gradientTolerance: Float = 5e-4
    /// A tensor's error is measured against at least this fraction of its group's largest magnitude: a tensor whose
    /// values cancel to far below the values they are summed from (BN weight gradients of ~1e-7 beside gradients
    /// of ~0.1) keeps the float32 noise of those terms, tens of percent of its own size in PyTorch itself, while a
    /// wrong term, sign or scale in any tensor above ~1e-4 of the group's largest still exceeds the tolerance.
    public static let floorFraction: Float = 1e-3

    /// Every group's result, and how many ReLU inputs sat on the kink within float32 noise (their gradients were
    /// compared under both decisions, see `verify`).
    public struct Report: Sendable {
        public var groups: [GroupResult]
        public var ambiguousReluElements: Int
    }

    /// The groups' results (`verify` without the ReLU count).
    public static func run(directory: String) throws -> [GroupResult] { try verify(directory: directory).groups }

    public static func verify(directory: String) throws -> Report {
        let weightsPath = (directory as NSString).appendingPathComponent("weights.safetensors")
        let ioPath = (directory as NSString).appendingPathComponent("io.safetensors")
        let weights = try SafeTensorsFile.read(weightsPath)
        let io = try SafeTensorsFile.read(ioPath)
        let meta = io.metadata.isEmpty ? weights.metadata : io.metadata
        guard let argsText = meta["args"],
            let args = try? JSONSerialization.jsonObject(with: Data(argsText.utf8)) as? [String: Any]
        else {
            throw WeightsError.corrupt(ioPath, "metadata has no JSON \"args\"")
        }
        guard let shapeText = meta["input_shape_NCHW"],
            let shape = (try? JSONSerialization.jsonObject(with: Data(shapeText.utf8))) as? [NSNumber]
        else {
            throw WeightsError.corrupt(ioPath, "metadata has no \"input_shape_NCHW\"")
        }
        let config = try ModelFactory.config(referenceArgs: args, inputNCHW: shape.map(\.intValue))
        let model = try ModelFactory.build(config, initialize: false)
        try model.store.load(weights, path: weightsPath)

        func tensor(_ name: String) throws -> SafeTensorsFile.Entry {
            guard let t = io[name] else { throw WeightsError.missingTensor(file: ioPath, tensor: name) }
            return t
        }
        let x = try tensor("x")
        let y = try tensor("y")
        guard x.shape == shape.map(\.intValue) else {
            throw WeightsError.shapeMismatch(file: ioPath, tensor: "x", expected: shape.map(\.intValue), found: x.shape)
        }
        let labels = y.values.map { Int32($0) }
        let input = Tensor(shape: x.shape, values: x.values)
        var results: [GroupResult] = []
        var group = Comparison(file: ioPath)

        func evalLogits(_ prefix: String, _ title: String) throws {
            let g = Graph(training: false, recordsGradients: false)
            let logits = try model.forward(g, g.input(input))
            group = Comparison(file: ioPath)
            for (k, l) in logits.enumerated() {
                try group.compare("\(prefix).\(k)", l.value, try tensor("\(prefix).\(k)"))
            }
            results.append(group.result(title))
        }

        try evalLogits("logits_eval", "eval logits")

        // Train mode forward + backward, twice: as computed, and with every ReLU input that sits on the kink within
        // float32 noise taking the other branch. Such an element's gradient decision is undecidable at this precision
        // (another summation order flips it), so each gradient tensor is compared under the better of the two.
        let initialBuffers = model.store.buffers.map { $0.value.clone() }
        var passes:
            [(
                logits: [Node], losses: [Node], total: Node, grads: [String: Tensor], buffers: [String: Tensor],
                kinks: Int
            )] = []
        for flip in [false, true] {
            for (b, saved) in zip(model.store.buffers, initialBuffers) { b.value.copy(from: saved) }
            let g = Graph(training: true)
            let probe = ReluKinkProbe(flip: flip)
            g.reluKinks = probe
            model.store.zeroGrad()
            let logits = try model.forward(g, g.input(input))
            let losses = try logits.map { try g.crossEntropy($0, labels: labels) }
            let total = try g.weightedSum(losses, weights: Array(repeating: 1, count: losses.count))
            try g.backward(total)
            var grads: [String: Tensor] = [:]
            var buffers: [String: Tensor] = [:]
            for p in model.store.parameters { grads[p.name] = p.grad.clone() }
            for b in model.store.buffers { buffers[b.name] = b.value.clone() }
            passes.append((logits, losses, total, grads, buffers, probe.count))
            if probe.count == 0 { break }
        }
        let main = passes[0]
        if ProcessInfo.processInfo.environment["RANET_VERIFY_TRACE"] != nil {
            print("ambiguous ReLU inputs:", main.kinks)
        }
        group = Comparison(file: ioPath)
        for (k, l) in main.logits.enumerated() {
            try group.compare("logits_train.\(k)", l.value, try tensor("logits_train.\(k)"))
        }
        results.append(group.result("train logits"))
        group = Comparison(file: ioPath)
        try group.compare("loss", main.total.value, try tensor("loss"))
        let perExit = Tensor(shape: [main.losses.count], values: main.losses.map { $0.value[0] })
        try group.compare("loss_per_exit", perExit, try tensor("loss_per_exit"))
        results.append(group.result("loss"))
        group = Comparison(file: ioPath)
        var chosen: [String: Tensor] = [:]
        for p in model.store.parameters {
            let reference = try tensor("grad." + p.name)
            let best = passes.map { $0.grads[p.name]! }.min {
                Comparison.error($0, reference) < Comparison.error($1, reference)
            }!
            chosen[p.name] = best
            try group.compare("grad." + p.name, best, reference)
        }
        results.append(group.result("gradients"))
        group = Comparison(file: ioPath)
        for b in model.store.buffers {
            try group.compare("after_forward." + b.name, main.buffers[b.name]!, try tensor("after_forward." + b.name))
        }
        results.append(group.result("BN running stats"))
        for p in model.store.parameters { p.grad.copy(from: chosen[p.name]!) }
        for b in model.store.buffers { b.value.copy(from: main.buffers[b.name]!) }

        let sgd = try SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)
        sgd.step(model.store.parameters)
        group = Comparison(file: ioPath)
        for p in model.store.parameters {
            try group.compare("after_step." + p.name, p.value, try tensor("after_step." + p.name))
        }
        results.append(group.result("SGD step"))
        try evalLogits("logits_eval_after", "eval logits after step")
        return Report(groups: results, ambiguousReluElements: main.kinks)
    }

    struct Comparison {
        let file: String
        /// Per tensor: name, largest absolute difference, largest reference magnitude.
        var tensors: [(name: String, difference: Float, scale: Float)] = []

        mutating func compare(_ name: String, _ mine: Tensor, _ reference: SafeTensorsFile.Entry) throws {
            guard mine.count == reference.values.count else {
                throw WeightsError.shapeMismatch(file: file, tensor: name, expected: mine.shape, found: reference.shape)
            }
            var worst: Float = 0
            for i in 0..<mine.count {
                let d = abs(mine[i] - reference.values[i])
                if !(d <= worst) { worst = d.isNaN ? .infinity : d }
            }
            let scale = reference.values.map { abs($0) }.max() ?? 0
            tensors.append((name, worst, scale))
            if ProcessInfo.processInfo.environment["RANET_VERIFY_TRACE"] != nil {
                print(name, "abs", worst, "scale", scale)
            }
        }

        /// Largest difference relative to the reference's own largest magnitude (to pick the better of two passes).
        static func error(_ mine: Tensor, _ reference: SafeTensorsFile.Entry) -> Float {
            let scale = max(reference.values.map { abs($0) }.max() ?? 0, 1e-12)
            var worst: Float = 0
            for i in 0..<min(mine.count, reference.values.count) {
                worst = max(worst, abs(mine[i] - reference.values[i]))
            }
            return worst / scale
        }

        func result(_ title: String) -> GroupResult {
            let loose = ["gradients", "SGD step"].contains(title)
            let floor = VectorVerification.floorFraction * (tensors.map(\.scale).max() ?? 0)
            var worstName = ""
            var maxRelative: Float = 0
            for t in tensors {
                let error = t.difference / max(t.scale, floor, 1e-30)
                if !(error < maxRelative) {
                    maxRelative = error.isNaN ? .infinity : error
                    worstName = t.name
                }
            }
            return GroupResult(
                group: title, tensors: tensors.count, maxAbsolute: tensors.map(\.difference).max() ?? 0,
                maxRelative: maxRelative,
                tolerance: loose ? VectorVerification.gradientTolerance : VectorVerification.tolerance,
                floor: floor, worstTensor: worstName)
        }
    }
}
