import Foundation
import SeededRandom
import Testing

@testable import ExitPolicies

/// Recorded outputs of a made-up 4-exit model: each image has a difficulty; deeper exits are more confident on it,
/// and a prediction is right with the probability its confidence says (so confidence ranks images as a model would).
private func recordedOutputs(samples: Int, seed: UInt64) throws -> ExitOutputs {
    var random = SplitMix64(seed: seed)
    func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
    let exits = 4
    let classes = 10
    let difficulty = (0..<samples).map { _ in uniform() * 6 - 1 }
    let labels = (0..<samples).map { _ in Int32(random.next() % UInt64(classes)) }
    var maxProb: [[Float]] = []
    var predicted: [[Int32]] = []
    for exit in 0..<exits {
        var confidences: [Float] = []
        var classes32: [Int32] = []
        for sample in 0..<samples {
            let logit = 1.2 * Double(exit) - difficulty[sample] + (uniform() - 0.5)
            let p = 0.1 + 0.9 / (1 + exp(-logit))
            confidences.append(Float(p))
            let right = uniform() < p
            classes32.append(right ? labels[sample] : (labels[sample] + 1) % Int32(classes))
        }
        maxProb.append(confidences)
        predicted.append(classes32)
    }
    return try makeOutputs(maxProb: maxProb, predicted: predicted, labels: labels, classCount: classes)
}

@Suite struct StreamBudgetTests {
    static let flops: [Int64] = [10_000, 20_000, 35_000, 50_000]
    static let budget = 30_000.0
    static let validation = Result { try recordedOutputs(samples: 4000, seed: 1) }
    static let test = Result { try recordedOutputs(samples: 8000, seed: 2) }

    static func controller(budget: Double = budget) throws -> StreamBudgetController {
        try StreamBudgetController(
            validation: try validation.get(), policy: .maxProb, cumulativeFlops: flops, budget: budget, levels: 41)
    }

    @Test func holdsTheBudgetOnAStreamLikeValidation() throws {
        var controller = try Self.controller()
        let test = try Self.test.get()
        var random = SplitMix64(seed: 3)
        var order = Array(0..<test.sampleCount)
        for index in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        let run = try controller.simulate(test, order: order)
        #expect(run.count == test.sampleCount)
        #expect(run.worstWindowMiss(budget: Self.budget, window: 1000) <= 0.05)
        #expect(abs(run.averageFlops - Self.budget) / Self.budget <= 0.01)
        #expect(abs(controller.runningAverage - Self.budget) / Self.budget <= 0.05)
    }

    @Test func holdsTheBudgetWhenTheStreamDrifts() throws {
        // The 3,000 most confident test images (first exit's confidence), then the 3,000 least confident.
        let test = try Self.test.get()
        let ranked = (0..<test.sampleCount).sorted {
            (test.maxProb[$0], $1) > (test.maxProb[$1], $0)
        }
        let order = Array(ranked.prefix(3000)) + Array(ranked.suffix(3000))
        let solved = try BudgetedBatch(
            validation: try Self.validation.get(), test: test, policy: .maxProb, cumulativeFlops: Self.flops
        ).solve(targetFlops: Self.budget)
        let fixed = try StreamBudgetController.simulateStatic(
            test, order: order, policy: .maxProb, thresholds: solved.thresholds, cumulativeFlops: Self.flops)
        // Static thresholds miss badly in both halves: far under the budget on easy images, far over on hard ones.
        #expect(fixed.miss(budget: Self.budget, images: 0..<3000) < -0.2)
        #expect(fixed.miss(budget: Self.budget, images: 3000..<6000) > 0.2)
        var controller = try Self.controller()
        let adapted = try controller.simulate(test, order: order)
        #expect(adapted.worstWindowMiss(budget: Self.budget, window: 1000) <= 0.05)
        #expect(abs(adapted.miss(budget: Self.budget, images: 0..<3000)) <= 0.05)
        #expect(abs(adapted.miss(budget: Self.budget, images: 3000..<6000)) <= 0.05)
        // The budget moves from easy to hard images, where it buys accuracy.
        #expect(adapted.accuracy > fixed.accuracy - 0.01)
    }

    @Test func windowMissIsTheLevelChangeOverTheGain() throws {
        // The integral law: over any stretch, sum(cost - budget) = -(level change) / gain, unless the level clamps.
        var controller = try Self.controller()
        let start = controller.level
        var spent = 0.0
        // 100 images averaging 28,750 FLOPs: 125,000 FLOPs under the budget move the level 6,250 up (no clamping).
        for sample in 0..<100 {
            let exit = sample % 4
            controller.observe(flops: Double(Self.flops[exit]))
            spent += Double(Self.flops[exit]) - Self.budget
        }
        #expect(abs(controller.level - start - 6_250) < 1e-6)
        #expect(abs(spent + (controller.level - start) / controller.gain) < 1e-6)
    }

    @Test func aStreamShorterThanTheWindowWorks() throws {
        var controller = try Self.controller()
        let run = try controller.simulate(try Self.test.get(), order: Array(0..<40))
        #expect(run.count == 40)
        #expect(controller.observed == 40)
        #expect(abs(controller.runningAverage - run.averageFlops) < 1e-9)
        #expect(run.windowAverages(window: 1000).count == 1)
        #expect(
            run.worstWindowMiss(budget: Self.budget, window: 1000) == abs(run.averageFlops - Self.budget) / Self.budget)
    }

    @Test func refusesWhatCannotWork() throws {
        let validation = try Self.validation.get()
        for budget in [9_999.0, 50_001, .nan] {
            #expect(throws: ExitPolicyError.self) {
                try StreamBudgetController(
                    validation: validation, policy: .maxProb, cumulativeFlops: Self.flops, budget: budget, levels: 3)
            }
        }
        #expect(throws: ExitPolicyError.self) {
            try StreamBudgetController(
                validation: validation, policy: .maxProb, cumulativeFlops: Self.flops, budget: Self.budget, gain: 0)
        }
        #expect(throws: ExitPolicyError.self) {
            try StreamBudgetController(
                validation: validation, policy: .maxProb, cumulativeFlops: Self.flops, budget: Self.budget, window: 0)
        }
        var controller = try Self.controller()
        #expect(throws: ExitPolicyError.self) { try controller.simulate(validation, order: [0, 4000]) }
    }

    @Test func theLevelsEndsAreEveryoneFirstAndEveryoneLast() throws {
        // At the first exit's FLOPs every validation image leaves there; at the last exit's nobody leaves early.
        let validation = try Self.validation.get()
        var controller = try Self.controller(budget: 10_000)
        #expect(controller.cutoffs[0] <= validation.maxProb[0..<validation.sampleCount].min()!)
        controller = try Self.controller(budget: 50_000)
        #expect(controller.cutoffs.dropLast().allSatisfy { $0 == .infinity })
        #expect(controller.thresholds == .perExit([nil, nil, nil]))
    }
}
