import Foundation

/// Softmax statistics of one sample at one exit: what every exit policy looks at.
public struct SampleExitStatistics: Sendable, Hashable {
    /// The largest softmax probability.
    public var maxProb: Float
    /// Softmax entropy in nats (natural log).
    public var entropy: Float
    /// Top-1 minus top-2 probability (equals `maxProb` with a single class).
    public var margin: Float
    /// Index of the largest probability (the first one on ties).
    public var predicted: Int32

    /// Creates statistics from already computed values.
    public init(maxProb: Float, entropy: Float, margin: Float, predicted: Int32) {
        self.maxProb = maxProb
        self.entropy = entropy
        self.margin = margin
        self.predicted = predicted
    }

    /// Statistics of softmax(logits), computed stably (shifted by the max, accumulated in Double); nil when
    /// `logits` is empty or holds a non-finite value. The executor and the simulation both use this.
    public init?(logits: UnsafeBufferPointer<Float>) {
        guard let top = Self.topTwo(logits) else { return nil }
        let shift = Double(logits[top.index])
        var sum = 0.0
        var weighted = 0.0
        for value in logits {
            let centred = Double(value) - shift
            let e = exp(centred)
            sum += e
            weighted += e * centred
        }
        // H = -sum p_j log p_j with log p_j = centred_j - log(sum): H = log(sum) - sum_j p_j centred_j.
        let entropy = max(0, log(sum) - weighted / sum)
        let second = top.second.map { exp(Double($0) - shift) } ?? 0
        self.init(
            maxProb: Float(1 / sum), entropy: Float(entropy), margin: Float((1 - second) / sum),
            predicted: Int32(top.index))
    }

    /// Statistics of a probability vector (already softmaxed); nil when it is empty, holds a negative or
    /// non-finite value, or does not sum to 1 within 1e-3.
    public init?(probabilities: UnsafeBufferPointer<Float>) {
        guard let top = Self.topTwo(probabilities), probabilities[top.index] <= 1 + 1e-3 else { return nil }
        var sum = 0.0
        var entropy = 0.0
        for value in probabilities {
            guard value >= 0 else { return nil }
            let p = Double(value)
            sum += p
            if p > 0 { entropy -= p * log(p) }
        }
        guard abs(sum - 1) <= 1e-3 else { return nil }
        let first = probabilities[top.index]
        self.init(
            maxProb: first, entropy: Float(max(0, entropy)), margin: first - (top.second ?? 0),
            predicted: Int32(top.index))
    }

    /// Index of the largest value (first on ties) and the second largest value; nil if empty or non-finite.
    private static func topTwo(_ values: UnsafeBufferPointer<Float>) -> (index: Int, second: Float?)? {
        guard !values.isEmpty else { return nil }
        var best = 0
        var second: Float? = nil
        for (index, value) in values.enumerated() {
            guard value.isFinite else { return nil }
            if index == 0 { continue }
            if value > values[best] {
                second = values[best]
                best = index
            } else if second == nil || value > second! {
                second = value
            }
        }
        return (best, second)
    }
}
