import Foundation
import NeuralEngine

/// Recomputes a reference test-vector set (weights.safetensors + io.safetensors, see shared/vectors/S/README.txt)
/// and compares every group: eval logits, train logits, loss, gradients, BN statistics, one SGD step, eval after it.
public enum VectorVerification {
    public struct GroupResult: Sendable, Codable {
        public var group: String
        public var tensors: Int
        /// Largest absolute difference over the group.
        public var maxAbsolute: Float
        /// Largest difference relative to each tensor's largest reference magnitude.
        public var maxRelative: Float
        public var tolerance: Float
        /// The tensor with the largest relative error.
        public var worstTensor: String
        public var passed: Bool { maxRelative <= tolerance }
    }

    public static let tolerance: Float = 1e-4

    public static func run(directory: String) throws -> [GroupResult] {
        let weightsPath = (directory as NSString).appendingPathComponent("weights.safetensors")
        let ioPath = (directory as NSString).appendingPathComponent("io.safetensors")
        let weights = try SafeTensorsFile.read(weightsPath)
        let io = try SafeTensorsFile.read(ioPath)
        let meta = io.metadata.isEmpty ? weights.metadata : io.metadata
        guard let argsText = meta["args"], let args = try? JSONSerialization.jsonObject(with: Data(argsText.utf8)) as? [String: Any] else {
            throw WeightsError.corrupt(ioPath, "metadata has no JSON \"args\"")
        }
        guard let shapeText = meta["input_shape_NCHW"],
              let shape = (try? JSONSerialization.jsonObject(with: Data(shapeText.utf8))) as? [NSNumber] else {
            throw WeightsError.corrupt(ioPath, "metadata has no \"input_shape_NCHW\"")
        }
        let config = try ModelFactory.config(referenceArgs: args, inputNCHW: shape.map(\.intValue))
        let model = try ModelFactory.build(config, initialize: false)
        try model.store.load(weights, path: weightsPath)

        func tensor(_ name: String) throws -> SafeTensorsFile.Entry {
            guard let t = io[name] else { throw WeightsError.missingTensor(file: ioPath, tensor: name) }
            return t
        }
        let x = try tensor("x"), y = try tensor("y")
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
            for (k, l) in logits.enumerated() { try group.compare("\(prefix).\(k)", l.value, try tensor("\(prefix).\(k)")) }
            results.append(group.result(title))
        }

        try evalLogits("logits_eval", "eval logits")

        let g = Graph(training: true)
        model.store.zeroGrad()
        let logits = try model.forward(g, g.input(input))
        let losses = try logits.map { try g.crossEntropy($0, labels: labels) }
        let total = try g.weightedSum(losses, weights: Array(repeating: 1, count: losses.count))
        try g.backward(total)
        group = Comparison(file: ioPath)
        for (k, l) in logits.enumerated() { try group.compare("logits_train.\(k)", l.value, try tensor("logits_train.\(k)")) }
        results.append(group.result("train logits"))
        group = Comparison(file: ioPath)
        try group.compare("loss", total.value, try tensor("loss"))
        let perExit = Tensor(shape: [losses.count], values: losses.map { $0.value[0] })
        try group.compare("loss_per_exit", perExit, try tensor("loss_per_exit"))
        results.append(group.result("loss"))
        group = Comparison(file: ioPath)
        for p in model.store.parameters { try group.compare("grad." + p.name, p.grad, try tensor("grad." + p.name)) }
        results.append(group.result("gradients"))
        group = Comparison(file: ioPath)
        for b in model.store.buffers { try group.compare("after_forward." + b.name, b.value, try tensor("after_forward." + b.name)) }
        results.append(group.result("BN running stats"))

        let sgd = try SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)
        sgd.step(model.store.parameters)
        group = Comparison(file: ioPath)
        for p in model.store.parameters { try group.compare("after_step." + p.name, p.value, try tensor("after_step." + p.name)) }
        results.append(group.result("SGD step"))
        try evalLogits("logits_eval_after", "eval logits after step")
        return results
    }

    struct Comparison {
        let file: String
        var count = 0, maxAbs: Float = 0, maxRel: Float = 0
        var worstName = ""

        mutating func compare(_ name: String, _ mine: Tensor, _ reference: SafeTensorsFile.Entry) throws {
            guard mine.count == reference.values.count else {
                throw WeightsError.shapeMismatch(file: file, tensor: name, expected: mine.shape, found: reference.shape)
            }
            let scale = max(reference.values.map { abs($0) }.max() ?? 0, 1e-12)
            var worst: Float = 0
            for i in 0..<mine.count {
                let d = abs(mine[i] - reference.values[i])
                if !(d <= worst) { worst = d.isNaN ? .infinity : d }
            }
            count += 1
            maxAbs = max(maxAbs, worst)
            if ProcessInfo.processInfo.environment["RANET_VERIFY_TRACE"] != nil { print(name, worst / scale) }
            if worst / scale >= maxRel { worstName = name }
            maxRel = max(maxRel, worst / scale)
        }

        func result(_ title: String) -> GroupResult {
            GroupResult(group: title, tensors: count, maxAbsolute: maxAbs, maxRelative: maxRel, tolerance: VectorVerification.tolerance, worstTensor: worstName)
        }
    }
}
