import Foundation
import SeededRandom

@testable import ExitPolicies

/// Builds outputs from per-exit max probabilities and predictions ([exit][sample]); entropy (within
/// [0, ln C]) and margin are derived monotonically from the max probability so every policy ranks alike.
func makeOutputs(
    maxProb: [[Float]], predicted: [[Int32]], labels: [Int32], classCount: Int = 10
) throws
    -> ExitOutputs
{
    let flat = maxProb.flatMap { $0 }
    let logClasses = Float(log(Double(classCount)))
    return try ExitOutputs(
        exitCount: maxProb.count, sampleCount: labels.count, classCount: classCount,
        labels: labels, maxProb: flat, entropy: flat.map { (1 - $0) * logClasses },
        margin: flat.map { $0 / 2 }, predicted: predicted.flatMap { $0 })
}

/// Random outputs with confidences quantised to `levels` steps (so ties are frequent when `levels` is small).
func randomOutputs(
    exits: Int, samples: Int, classes: Int = 4, levels: Int = 1 << 20, seed: UInt64
) throws
    -> ExitOutputs
{
    var random = SplitMix64(seed: seed)
    let labels = (0..<samples).map { _ in Int32(random.next() % UInt64(classes)) }
    let maxProb = (0..<exits).map { _ in
        (0..<samples).map { _ in Float(random.next() % UInt64(levels)) / Float(levels) }
    }
    let predicted = (0..<exits).map { _ in (0..<samples).map { _ in Int32(random.next() % UInt64(classes)) } }
    return try makeOutputs(maxProb: maxProb, predicted: predicted, labels: labels, classCount: classes)
}

/// The obvious per-sample loop the fast simulation must equal.
func naiveSimulation(
    _ outputs: ExitOutputs, policy: ExitPolicy, thresholds: Thresholds,
    flops: [Int64]
) -> (exits: [Int], correct: [Bool], accuracy: Double, expectedFlops: Double) {
    var exits: [Int] = []
    var correct: [Bool] = []
    for sample in 0..<outputs.sampleCount {
        var chosen = outputs.exitCount - 1
        for exit in 0..<(outputs.exitCount - 1) {
            guard let threshold = thresholds.threshold(atExit: exit, exitCount: outputs.exitCount) else { continue }
            if policy.exits(outputs.statistics(exit: exit, sample: sample), threshold: threshold) {
                chosen = exit
                break
            }
        }
        exits.append(chosen)
        correct.append(outputs.predicted[chosen * outputs.sampleCount + sample] == outputs.labels[sample])
    }
    let n = Double(outputs.sampleCount)
    let accuracy = Double(correct.filter { $0 }.count) / n
    let expected = exits.reduce(0.0) { $0 + Double(flops[$1]) } / n
    return (exits, correct, accuracy, expected)
}

/// A direct transcription of MSDNet's `dynamic_eval_find_threshold` (max over confidences, a sort per exit,
/// a `filtered` counter, 1e8 for "nobody exits"), as the reference the fast search must equal.
func referenceCutoffs(confidence: [[Float]], targetShares: [Double]) -> [Float] {
    let stages = confidence.count
    let samples = confidence[0].count
    var filtered = [Int](repeating: 0, count: samples)
    var cutoffs = [Float](repeating: 1e8, count: stages)
    for stage in 0..<(stages - 1) {
        let sorted = (0..<samples).sorted { confidence[stage][$0] > confidence[stage][$1] }
        let outCount = Int((Double(samples) * targetShares[stage] + 1e-9).rounded(.down))
        var count = 0
        for index in sorted where filtered[index] == 0 {
            count += 1
            if count == outCount {
                cutoffs[stage] = confidence[stage][index]
                break
            }
        }
        for index in 0..<samples where confidence[stage][index] >= cutoffs[stage] { filtered[index] += 1 }
    }
    cutoffs[stages - 1] = -1e8
    return cutoffs
}

func approx(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }
