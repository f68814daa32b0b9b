import Foundation
import NeuralEngine
import Testing

@Suite struct OptimizerTests {
    func parameter(_ values: [Float], grad: [Float]) -> Parameter {
        let p = Parameter(name: "p", shape: [values.count])
        p.value.copy(from: Tensor(shape: [values.count], values: values))
        p.grad.copy(from: Tensor(shape: [grad.count], values: grad))
        return p
    }

    @Test func momentumAndWeightDecayMatchHandComputedSteps() throws {
        let p = parameter([1.0, -2.0], grad: [0.5, 0.25])
        let sgd = try SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        sgd.step([p])
        // d = g + wd*w = [0.51, 0.23]; buf = d; w = w - 0.1*d
        #expect(abs(p.value[0] - (1.0 - 0.051)) < 1e-7)
        #expect(abs(p.value[1] - (-2.0 - 0.023)) < 1e-7)
        sgd.step([p])
        // d2 = g + wd*w1; buf = 0.9*buf + d2; w2 = w1 - 0.1*buf
        let w1: Float = 0.949
        let d2: Float = 0.5 + 0.01 * w1
        let buf: Float = 0.9 * 0.51 + d2
        #expect(abs(p.value[0] - (w1 - 0.1 * buf)) < 1e-6)
    }

    @Test func nesterovAndDampening() throws {
        let p = parameter([1.0], grad: [1.0])
        let sgd = try SGD(learningRate: 0.5, momentum: 0.5, weightDecay: 0, nesterov: true)
        sgd.step([p])  // buf = 1; d = 1 + 0.5*1 = 1.5; w = 1 - 0.75
        #expect(abs(p.value[0] - 0.25) < 1e-7)
        sgd.step([p])  // buf = 0.5 + 1 = 1.5; d = 1 + 0.75; w = 0.25 - 0.875
        #expect(abs(p.value[0] - (0.25 - 0.875)) < 1e-7)

        let q = parameter([0.0], grad: [2.0])
        let damp = try SGD(learningRate: 1, momentum: 0.9, weightDecay: 0, dampening: 0.5)
        damp.step([q])
        damp.step([q])  // buf1 = 2 (first step undamped), buf2 = 1.8 + 1 = 2.8
        #expect(abs(q.value[0] - (-2 - 2.8)) < 1e-6)
        #expect(throws: EngineError.self) { try SGD(learningRate: 0.1, momentum: 0, nesterov: true) }
    }

    @Test func schedules() {
        let m = LRSchedule.paper(base: 0.1, epochs: 300)
        #expect(m.rate(epoch: 0) == 0.1)
        #expect(abs(m.rate(epoch: 150) - 0.01) < 1e-8)
        #expect(abs(m.rate(epoch: 225) - 0.001) < 1e-9)
        // The reference's `epoch >= epochs * 0.5` on odd and tiny epoch counts.
        #expect(LRSchedule.paper(base: 0.1, epochs: 1).rate(epoch: 0) == 0.1)
        let five = LRSchedule.paper(base: 0.1, epochs: 5)
        let rates: [Float] = [0, 1, 2, 3, 4].map { five.rate(epoch: Double($0)) }
        let expected: [Float] = [0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]
        #expect(rates == expected)
        #expect(LRSchedule.paper(base: 0.1, epochs: 20) == .multistep(base: 0.1, milestones: [10, 15], gamma: 0.1))
        let c = LRSchedule.cosine(base: 0.1, totalEpochs: 10)
        #expect(c.rate(epoch: 0) == 0.1)
        #expect(abs(c.rate(epoch: 5) - 0.05) < 1e-7)
        #expect(c.rate(epoch: 10) < 1e-8)
    }
}
