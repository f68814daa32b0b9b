import AdaptiveInference
import AdaptiveNets
import ExitPolicies
import ModelConfigs
import NeuralEngine
import Testing

/// Early exit over an IMTA network: exit i's head reads the ISC feature of head i-1, which the executor carries in
/// the stage state and compacts with it; real early exit must still agree with the simulation.
@Suite struct IMTAAgreementTests {
    static func model() throws -> IMTANetwork {
        let imta = try IMTANetwork(backbone: .ranet(TinyModel.config), seed: 4)
        try imta.loadBackbone(try TinyModel.model().store.stateDict(), path: "TinyModel")
        return imta
    }

    @Test(arguments: [0.3, 0.5, 0.7], [1, 7, 32])
    func executorAgreesWithSimulation(quantile: Double, batchSize: Int) throws {
        let model = try Self.model()
        #expect(model.exitCount >= 2)
        let evaluation = try ExitEvaluator(model: model, normalization: TinyModel.normalization, batchSize: 64)
            .evaluate(try TinyModel.test(), keepLogits: true)
        let thresholds = Thresholds.global(
            try ThresholdPicker.pick(evaluation.outputs, policy: .maxProb, quantile: quantile))
        let simulation = try evaluation.outputs.simulate(
            policy: .maxProb, thresholds: thresholds, cumulativeFlops: evaluation.cumulativeFlops)
        #expect(simulation.exitCounts.filter { $0 > 0 }.count >= 2, "exit counts \(simulation.exitCounts)")
        let run = try EarlyExitExecutor(model: model, policy: .maxProb, thresholds: thresholds).run(
            dataset: try TinyModel.test(), normalization: TinyModel.normalization, batchSize: batchSize)
        #expect(run.disagreements(with: simulation, outputs: evaluation.outputs) == [])
        #expect(run.exitIndex == simulation.exitIndex)
        // An image pays its exit's cumulative FLOPs, heads and ISC modules included, and nothing more: ISC module i
        // runs in exit i+1's segment, only for the images that go on.
        let cost = try model.cost()
        for sample in 0..<run.sampleCount {
            #expect(run.executedFlopsPerSample[sample] == Double(cost.cumulativeFlops[run.exitIndex[sample]]))
        }
    }
}
