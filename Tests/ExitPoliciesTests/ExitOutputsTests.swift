import Foundation
import Testing

@testable import ExitPolicies

@Suite struct ExitOutputsTests {
    @Test func logitsGiveSoftmaxStatistics() throws {
        // softmax(ln 1, ln 2, ln 1) = (1/4, 1/2, 1/4).
        let outputs = try ExitOutputs(logits: [[[0, Float(log(2.0)), 0]]], labels: [1])
        let stats = outputs.statistics(exit: 0, sample: 0)
        #expect(abs(stats.maxProb - 0.5) < 1e-6)
        #expect(abs(stats.margin - 0.25) < 1e-6)
        let entropy = -(2 * 0.25 * log(0.25) + 0.5 * log(0.5))
        #expect(abs(Double(stats.entropy) - entropy) < 1e-6)
        #expect(stats.predicted == 1)
        #expect(outputs.isCorrect(exit: 0, sample: 0))
    }

    @Test func hugeLogitsStayFinite() throws {
        let outputs = try ExitOutputs(logits: [[[1000, 1000, -1000]]], labels: [0])
        let stats = outputs.statistics(exit: 0, sample: 0)
        #expect(abs(stats.maxProb - 0.5) < 1e-6)
        #expect(abs(stats.margin) < 1e-6)
        #expect(abs(Double(stats.entropy) - log(2.0)) < 1e-6)
        #expect(stats.predicted == 0)  // first of the tied maxima
    }

    @Test func probabilitiesAgreeWithLogits() throws {
        let logits: [[[Float]]] = [[[0.3, -1.2, 2.0, 0.1], [5, 4, 3, -2]], [[1, 1, 1, 1], [-3, 0, 0.5, 0.4]]]
        let probabilities = logits.map { exit in
            exit.map { row -> [Float] in
                let exps = row.map { exp(Double($0)) }
                let sum = exps.reduce(0, +)
                return exps.map { Float($0 / sum) }
            }
        }
        let fromLogits = try ExitOutputs(logits: logits, labels: [2, 1])
        let fromProbabilities = try ExitOutputs(probabilities: probabilities, labels: [2, 1])
        #expect(fromLogits.predicted == fromProbabilities.predicted)
        for (a, b) in zip(
            fromLogits.maxProb + fromLogits.entropy + fromLogits.margin,
            fromProbabilities.maxProb + fromProbabilities.entropy + fromProbabilities.margin)
        {
            #expect(abs(a - b) < 1e-5)
        }
        #expect(fromLogits.exitAccuracies == [0.5, 0])
    }

    @Test func exitMajorLayout() throws {
        let outputs = try makeOutputs(
            maxProb: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
            predicted: [[0, 0, 0], [1, 1, 1]], labels: [0, 1, 1])
        #expect(outputs.index(exit: 1, sample: 2) == 5)
        #expect(outputs.statistics(exit: 1, sample: 0).maxProb == 0.4)
        #expect(outputs.isCorrect(exit: 0, sample: 0) && !outputs.isCorrect(exit: 0, sample: 1))
    }

    @Test func badShapesAreRefused() {
        #expect(throws: ExitPolicyError.shapeMismatch("logits has 5 values, expected 6")) {
            try ExitOutputs(logits: [1, 2, 3, 4, 5], exitCount: 1, sampleCount: 2, classCount: 3, labels: [0, 1])
        }
        #expect(throws: ExitPolicyError.shapeMismatch("exit 1, sample 0 has 2 classes, expected 3")) {
            try ExitOutputs(logits: [[[1, 2, 3]], [[1, 2]]], labels: [0])
        }
        #expect(throws: ExitPolicyError.shapeMismatch("labels has 1 values, expected 2")) {
            try ExitOutputs(
                exitCount: 1, sampleCount: 2, classCount: 2, labels: [0], maxProb: [0.5, 0.5],
                entropy: [1, 1], margin: nil, predicted: [0, 0])
        }
        #expect(throws: ExitPolicyError.self) {
            try ExitOutputs(logits: [], exitCount: 0, sampleCount: 0, classCount: 3, labels: [])
        }
    }

    @Test func badValuesAreRefused() {
        #expect(throws: ExitPolicyError.invalidValue("logits row of exit 1, sample 0 holds a non-finite value")) {
            try ExitOutputs(logits: [[[1, 2]], [[.nan, 0]]], labels: [0])
        }
        #expect(throws: ExitPolicyError.self) {
            try ExitOutputs(probabilities: [[[0.5, 0.6]]], labels: [0])  // sums to 1.1
        }
        #expect(throws: ExitPolicyError.self) {
            try ExitOutputs(probabilities: [[[1.5, -0.5]]], labels: [0])
        }
        #expect(throws: ExitPolicyError.classOutOfRange(what: "label", sample: 1, value: 3, classCount: 3)) {
            try ExitOutputs(logits: [[[1, 2, 3], [1, 2, 3]]], labels: [0, 3])
        }
        #expect(
            throws: ExitPolicyError.classOutOfRange(
                what: "predicted class at exit 1", sample: 0, value: 7,
                classCount: 3)
        ) {
            try ExitOutputs(
                exitCount: 2, sampleCount: 1, classCount: 3, labels: [0], maxProb: [0.5, 0.5],
                entropy: [1, 1], margin: nil, predicted: [0, 7])
        }
    }

    @Test func roundingOvershootsAreClampedAndBigOnesRefused() throws {
        let outputs = try ExitOutputs(
            exitCount: 1, sampleCount: 2, classCount: 2, labels: [0, 1],
            maxProb: [1.0000001, 0.5], entropy: [-0.0000001, 0.6931475],
            margin: [1.0000001, 0], predicted: [0, 1])
        #expect(outputs.maxProb == [1, 0.5] && outputs.margin == [1, 0])
        #expect(outputs.entropy[0] == 0)
        #expect(outputs.entropy[1] <= ExitPolicy.entropy.validRange(classCount: 2).upperBound)
        #expect(throws: ExitPolicyError.invalidValue("maxProb at exit 0, sample 1 is 1.5, outside [0.0, 1.0]")) {
            try ExitOutputs(
                exitCount: 1, sampleCount: 2, classCount: 2, labels: [0, 1], maxProb: [1, 1.5],
                entropy: [0, 0], margin: nil, predicted: [0, 1])
        }
        #expect(throws: ExitPolicyError.self) {
            try ExitOutputs(
                exitCount: 1, sampleCount: 1, classCount: 2, labels: [0], maxProb: [1],
                entropy: [.infinity], margin: nil, predicted: [0])
        }
    }

    @Test func errorMessagesSayWhere() {
        let error = ExitPolicyError.thresholdOutOfRange(policy: .entropy, exit: 2, value: 5, range: 0...2.3)
        #expect(error.description.contains("entropy threshold 5.0 at exit 2"))
        #expect(
            ExitPolicyError.budgetOutOfRange(target: 1, minimum: 10, maximum: 20).description
                .contains("outside [10, 20]"))
    }
}
