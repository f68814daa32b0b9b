import ExitPolicies
import NeuralEngine

/// Exit-major softmax statistics (K*N) being filled in batch by batch, turned into `ExitOutputs` at the end.
struct ExitStatisticsTable {
    let exitCount: Int
    let sampleCount: Int
    var maxProb: [Float]
    var entropy: [Float]
    var margin: [Float]
    var predicted: [Int32]

    init(exitCount: Int, sampleCount: Int) {
        self.exitCount = exitCount
        self.sampleCount = sampleCount
        maxProb = [Float](repeating: 0, count: exitCount * sampleCount)
        entropy = maxProb
        margin = maxProb
        predicted = [Int32](repeating: 0, count: exitCount * sampleCount)
    }

    /// Writes the statistics of every row of `logits` (rows, classes) as samples `firstSample...` at `exit`.
    mutating func record(_ logits: Node, exit: Int, firstSample: Int) throws {
        for row in 0..<logits.shape[0] {
            let s = try ExitStatisticsReader.statistics(logits, row: row, exit: exit)
            let i = exit * sampleCount + firstSample + row
            (maxProb[i], entropy[i], margin[i], predicted[i]) = (s.maxProb, s.entropy, s.margin, s.predicted)
        }
    }

    /// The finished outputs (ExitOutputs checks every shape and value again).
    func outputs(classCount: Int, labels: [Int32]) throws -> ExitOutputs {
        try ExitOutputs(
            exitCount: exitCount, sampleCount: sampleCount, classCount: classCount, labels: labels,
            maxProb: maxProb, entropy: entropy, margin: margin, predicted: predicted)
    }
}

/// Softmax statistics of logits rows, computed exactly as the simulation's (`SampleExitStatistics(logits:)`, then
/// clamped into each policy's range as `ExitOutputs` stores them), so executor and simulation compare equal values.
enum ExitStatisticsReader {
    /// Statistics of row `row` of a (rows, classes) logits node; `exit` only names the place in errors.
    static func statistics(_ logits: Node, row: Int, exit: Int) throws -> SampleExitStatistics {
        let classes = logits.shape[1]
        let buffer = UnsafeBufferPointer(start: logits.value.data + row * classes, count: classes)
        guard let raw = SampleExitStatistics(logits: buffer) else {
            throw InferenceError.nonFiniteLogits(exit: exit, sample: row)
        }
        return clamped(raw, classCount: classes)
    }

    /// The statistics `ExitOutputs` would store (Float rounding can overshoot a range by an ulp).
    static func clamped(_ s: SampleExitStatistics, classCount: Int) -> SampleExitStatistics {
        func clamp(_ value: Float, _ policy: ExitPolicy) -> Float {
            let range = policy.validRange(classCount: classCount)
            return min(max(value, range.lowerBound), range.upperBound)
        }
        return SampleExitStatistics(
            maxProb: clamp(s.maxProb, .maxProb), entropy: clamp(s.entropy, .entropy),
            margin: clamp(s.margin, .margin), predicted: s.predicted)
    }
}

/// A reusable input buffer: batches are copied into one allocation instead of a fresh tensor each.
final class InputStaging {
    private var storage = Tensor(zeros: [1])

    /// A tensor of `shape` holding `values` (valid until the next call).
    func tensor(shape: [Int], values: ArraySlice<Float>) -> Tensor {
        let count = shape.reduce(1, *)
        if storage.capacity < count { storage = Tensor(zeros: [count]) }
        let view = Tensor(viewOf: storage, shape: shape)
        values.withUnsafeBufferPointer { view.data.update(from: $0.baseAddress!, count: count) }
        return view
    }
}
